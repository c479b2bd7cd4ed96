using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Silo.Operations;

/// <summary>One operator key: who holds it (its name goes to the audit log) and what it may do.</summary>
public sealed class OperatorKeyOptions
{
    /// <summary>Shown in the audit log as <c>key:Name</c>; letters, digits, '-', '_' and '.'.</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret, at least 16 characters. Sent in <c>X-Admin-Key</c>; never logged.</summary>
    public string Key { get; set; } = "";

    /// <summary><c>GameMaster</c> or <c>Admin</c>.</summary>
    public AccountRole Role { get; set; } = AccountRole.GameMaster;
}

/// <summary>
/// The keys of the silo's operator API and console. Section <c>Admin</c>, beside the admin port's
/// address: <c>Admin:Key</c> is one admin key (named "admin"), <c>Admin:Keys:N:{Name,Key,Role}</c> any
/// number of named keys, GM or admin. No key configured: the operator API answers 403.
/// </summary>
public sealed class OperatorApiOptions
{
    public const string Section = "Admin";
    public const string Header = "X-Admin-Key";
    public const int MinKeyLength = 16;

    /// <summary>A single admin key, named "admin" in the audit log.</summary>
    public string? Key { get; set; }

    public List<OperatorKeyOptions> Keys { get; set; } = [];

    public IEnumerable<OperatorKeyOptions> AllKeys =>
        string.IsNullOrEmpty(Key) ? Keys : Keys.Prepend(new OperatorKeyOptions { Name = "admin", Key = Key, Role = AccountRole.Admin });
}

/// <summary>Keys long enough, names well-formed and unique, roles that can operate: checked at start.</summary>
public sealed class OperatorApiOptionsValidator : IValidateOptions<OperatorApiOptions>
{
    public ValidateOptionsResult Validate(string? name, OperatorApiOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in options.AllKeys)
        {
            if (string.IsNullOrEmpty(key.Name) || key.Name.Length > 64 || !key.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                errors.Add($"Admin:Keys: name '{key.Name}' must be 1-64 of letters, digits, '-', '_', '.'");
            }
            else if (!names.Add(key.Name))
            {
                errors.Add($"Admin:Keys: name '{key.Name}' is used twice");
            }

            if (key.Key.Length < OperatorApiOptions.MinKeyLength)
            {
                errors.Add($"Admin:Keys: the key of '{key.Name}' must be at least {OperatorApiOptions.MinKeyLength} characters");
            }

            if (key.Role is not (AccountRole.GameMaster or AccountRole.Admin))
            {
                errors.Add($"Admin:Keys: the role of '{key.Name}' must be GameMaster or Admin");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Finds the operator a request's key belongs to. Keys are compared as SHA-256 hashes in constant
/// time, every configured key every time, so neither the length nor which key matched leaks.
/// </summary>
public sealed class OperatorKeys
{
    private readonly (byte[] Hash, OperatorKeyOptions Key)[] _keys;

    public OperatorKeys(IOptions<OperatorApiOptions> options)
    {
        _keys = [.. options.Value.AllKeys.Select(k => (SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)), k))];
    }

    public bool AnyConfigured => _keys.Length > 0;

    public OperatorKeyOptions? Find(string presented)
    {
        if (presented.Length == 0)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        OperatorKeyOptions? found = null;
        foreach (var (keyHash, key) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, keyHash))
            {
                found = key;
            }
        }

        return found;
    }
}

/// <summary>
/// Lets an operator request through with a configured key and tells the endpoint who it is: 403 when no
/// key is configured (the API is off), 401 for a missing or wrong key (logged, without the key).
/// </summary>
public sealed partial class OperatorKeyFilter(OperatorKeys keys, ILogger<OperatorKeyFilter> logger) : IEndpointFilter
{
    private const string ItemKey = "mmo.operator";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!keys.AnyConfigured)
        {
            return ValueTask.FromResult<object?>(Results.Problem("the operator API is disabled: configure Admin:Key or Admin:Keys", statusCode: StatusCodes.Status403Forbidden));
        }

        var key = keys.Find(http.Request.Headers[OperatorApiOptions.Header].ToString());
        if (key is null)
        {
            LogRejected(logger, http.Request.Path, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return ValueTask.FromResult<object?>(Results.Problem($"missing or wrong {OperatorApiOptions.Header}", statusCode: StatusCodes.Status401Unauthorized));
        }

        http.Items[ItemKey] = new OperatorIdentity("key:" + key.Name, key.Role, OperatorChannel.Api, http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return next(context);
    }

    /// <summary>The operator the filter let through.</summary>
    public static OperatorIdentity Of(HttpContext http) =>
        http.Items[ItemKey] as OperatorIdentity ?? throw new InvalidOperationException("not behind the operator key filter");

    [LoggerMessage(EventId = LogEvents.OperatorKeyRefused, Level = LogLevel.Warning, Message = "Operator request {Path} from {RemoteAddress} refused: missing or wrong key")]
    private static partial void LogRejected(ILogger logger, string path, string remoteAddress);
}
