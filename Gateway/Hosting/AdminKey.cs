using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Hosting;

/// <summary>The shared secret that admin actions need. Section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The request header carrying the key.</summary>
    public const string Header = "X-Admin-Key";

    /// <summary>Admin actions are refused while empty. Never logged.</summary>
    public string? Key { get; set; }
}

/// <summary>
/// Lets an admin request through only with the configured key: 403 when no key is configured (admin
/// actions are off), 401 for a missing or wrong key. Compared in constant time, over hashes so the
/// length does not leak either.
/// </summary>
public sealed partial class AdminKeyFilter(IOptions<AdminOptions> options, ILogger<AdminKeyFilter> logger) : IEndpointFilter
{
    private readonly byte[]? _keyHash = string.IsNullOrEmpty(options.Value.Key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Key));

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (_keyHash is null)
        {
            return ValueTask.FromResult<object?>(Results.Problem("admin actions are disabled: configure Admin:Key", statusCode: StatusCodes.Status403Forbidden));
        }

        var presented = http.Request.Headers[AdminOptions.Header].ToString();
        if (presented.Length == 0 || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _keyHash))
        {
            LogRejected(logger, http.Request.Path, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return ValueTask.FromResult<object?>(Results.Problem($"missing or wrong {AdminOptions.Header}", statusCode: StatusCodes.Status401Unauthorized));
        }

        return next(context);
    }

    [LoggerMessage(EventId = LogEvents.AdminRequestRefused, Level = LogLevel.Warning, Message = "Admin request {Path} from {RemoteAddress} refused: missing or wrong key")]
    private static partial void LogRejected(ILogger logger, string path, string remoteAddress);
}
