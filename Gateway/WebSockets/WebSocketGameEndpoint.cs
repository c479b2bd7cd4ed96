using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Sessions;

namespace OrleansMmo.Gateway.WebSockets;

/// <summary>
/// Accepts WebSocket clients on <see cref="GatewayWebSocketOptions.Path"/> and runs each as a game session
/// (<see cref="SessionHost"/>), exactly as the TCP port does; only the read loop differs: one binary message
/// at a time, each holding whole frames.
/// </summary>
public sealed partial class WebSocketGameEndpoint(
    SessionHost host,
    IOptions<GatewayWebSocketOptions> options,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<WebSocketGameEndpoint> logger)
{
    // A message is received into a pooled buffer this big at first, grown (up to MaxMessageBytes) as needed.
    private const int InitialMessageBuffer = 4096;

    private readonly GatewayWebSocketOptions _options = options.Value;
    private readonly TimeSpan _closeTimeout = gatewayOptions.Value.CloseFlushTimeout;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("WebSocket upgrade required: this endpoint speaks the game protocol (docs/protocol.md)");
            return;
        }

        if (!IsOriginAllowed(context.Request))
        {
            LogOriginRefused(logger, context.Request.Headers.Origin, context.Connection.RemoteIpAddress);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = false });
        using var transport = new WebSocketSessionTransport(socket, context, _closeTimeout);
        // Kestrel asks connections to close when it stops on its own (outside a host shutdown).
        var closeRequested = context.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        await host.RunAsync(transport, session => ReadMessagesAsync(session, socket, transport.ReadAborted), closeRequested);
    }

    /// <summary>
    /// Same origin, no origin (not a browser), or a configured one. Origins protect players' browsers from
    /// pages of other sites that would play in their name; they do not authenticate anything.
    /// </summary>
    private bool IsOriginAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || _options.AllowedOrigins.Contains("*"))
        {
            return true;
        }

        if (Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return _options.AllowedOrigins.Any(allowed => string.Equals(allowed.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }

    private async Task ReadMessagesAsync(ClientSession session, WebSocket socket, CancellationToken aborted)
    {
        var max = _options.MaxMessageBytes;
        while (!session.IsClosing)
        {
            // Waits for the next message without a buffer: an idle connection holds no receive memory.
            var next = await socket.ReceiveAsync(Memory<byte>.Empty, aborted);
            if (next.MessageType == WebSocketMessageType.Close || session.IsClosing)
            {
                return;
            }

            if (next.MessageType == WebSocketMessageType.Text)
            {
                host.Reject(session, ErrorCode.MalformedFrame);
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(InitialMessageBuffer);
            try
            {
                var filled = 0;
                while (true)
                {
                    var limit = Math.Min(buffer.Length, max);
                    if (filled == limit)
                    {
                        if (limit == max)
                        {
                            host.Reject(session, ErrorCode.FrameTooLarge);
                            return;
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max));
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                        limit = Math.Min(buffer.Length, max);
                    }

                    var received = await socket.ReceiveAsync(buffer.AsMemory(filled, limit - filled), aborted);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    filled += received.Count;
                    if (received.EndOfMessage)
                    {
                        break;
                    }
                }

                var message = new ReadOnlySequence<byte>(buffer, 0, filled);
                if (host.DispatchFrames(session, message) is not { } rest)
                {
                    return;
                }

                if (!message.Slice(rest).IsEmpty)
                {
                    // A frame split over messages: nothing after it can be trusted to start where a frame starts.
                    host.Reject(session, ErrorCode.MalformedFrame);
                    return;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.WebSocketOriginRefused, Level = LogLevel.Information, Message = "WebSocket from {RemoteAddress} refused: origin {Origin} not allowed")]
    private static partial void LogOriginRefused(ILogger logger, Microsoft.Extensions.Primitives.StringValues origin, System.Net.IPAddress? remoteAddress);
}
