using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Protocol;

namespace OrleansMmo.Gateway.WebSockets;

/// <summary>
/// The game protocol over WebSocket, for browsers and engines without raw sockets. Section
/// <c>Gateway:WebSocket</c>. The session behind it is the TCP port's: same states, limits and timeouts
/// (section <c>Gateway</c>). docs/protocol.md, "WebSocket", lists these with their defaults.
/// </summary>
public sealed class GatewayWebSocketOptions
{
    public const string Section = "Gateway:WebSocket";

    /// <summary>Listen for WebSocket clients (and serve the browser client) on <see cref="Port"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>HTTP port of the WebSocket endpoint and the browser client, on <see cref="GatewayOptions.ListenAddress"/>; 0 picks a free one (tests).</summary>
    [Range(0, 65535)] public int Port { get; set; } = 7002;

    /// <summary>Path of the WebSocket endpoint: <c>ws://host:7002/ws</c>.</summary>
    [Required] public string Path { get; set; } = "/ws";

    /// <summary>
    /// Largest WebSocket message accepted. A message holds one or more whole frames; a bigger one is a protocol
    /// violation (FRAME_TOO_LARGE). At least <see cref="GatewayOptions.MaxPayloadBytes"/> + 12, so that any frame
    /// the gateway accepts fits in one message.
    /// </summary>
    [Range(64, 64 * 1024 * 1024)] public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Browser origins (<c>https://game.example.com</c>) allowed besides the gateway's own; <c>*</c> allows any.
    /// Requests without an Origin header (not from a browser) are always allowed: origins protect browser users
    /// from other sites, not the gateway from clients.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Serve the browser client (a small page that plays over <see cref="Path"/>) at <c>/</c> on <see cref="Port"/>.</summary>
    public bool ServeBrowserClient { get; set; } = true;
}

public sealed class GatewayWebSocketOptionsValidator(IOptions<GatewayOptions> gateway) : IValidateOptions<GatewayWebSocketOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayWebSocketOptions options)
    {
        var failures = new List<string>();
        var smallest = gateway.Value.MaxPayloadBytes + FrameHeader.Size;
        if (options.MaxMessageBytes < smallest)
        {
            failures.Add($"{GatewayWebSocketOptions.Section}:MaxMessageBytes must be at least Gateway:MaxPayloadBytes + {FrameHeader.Size} ({smallest})");
        }

        if (!options.Path.StartsWith('/'))
        {
            failures.Add($"{GatewayWebSocketOptions.Section}:Path must start with '/'");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (origin != "*" && !Uri.TryCreate(origin, UriKind.Absolute, out _))
            {
                failures.Add($"{GatewayWebSocketOptions.Section}:AllowedOrigins: '{origin}' is neither '*' nor an absolute origin such as https://game.example.com");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

[OptionsValidator]
public sealed partial class GatewayWebSocketOptionsAttributeValidator : IValidateOptions<GatewayWebSocketOptions>;
