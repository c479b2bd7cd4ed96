using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Accounts;

/// <summary>Account rules and login throttling. Section <c>Accounts</c>.</summary>
public sealed class AccountOptions
{
    public const string Section = "Accounts";

    [Range(1, 64)] public int UsernameMinLength { get; set; } = 3;
    [Range(1, 64)] public int UsernameMaxLength { get; set; } = 32;
    [Range(8, 1024)] public int PasswordMinLength { get; set; } = 8;
    /// <summary>Bounds the bytes fed to the KDF and crossing the cluster.</summary>
    [Range(8, 1024)] public int PasswordMaxLength { get; set; } = 128;
    [Range(1, 64)] public int CharacterNameMinLength { get; set; } = 3;
    [Range(1, 64)] public int CharacterNameMaxLength { get; set; } = 16;
    [Range(1, 100)] public int MaxCharactersPerAccount { get; set; } = 8;

    /// <summary>Consecutive failed logins after which the account refuses logins for <see cref="AccountLockout"/>.</summary>
    [Range(1, 1000)] public int MaxFailedLoginsPerAccount { get; set; } = 5;
    public TimeSpan AccountLockout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed logins from one address within <see cref="AddressFailureWindow"/> before it is throttled.</summary>
    [Range(1, 100000)] public int MaxFailedLoginsPerAddress { get; set; } = 20;
    public TimeSpan AddressFailureWindow { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan AddressLockout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The longest wait a login refused for a budget full of checks in flight is told: such callers get turns
    /// one after another at the pace the address's checks finish; past this they are spread over its second half.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxThrottledRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a device token (answered by a successful login, sent with the next) exempts that device's logins
    /// of the account from its address's failure budget; each successful login renews it. Its failures then
    /// count per (account, device) instead, against <see cref="MaxFailedLoginsPerAccount"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan DeviceTokenLifetime { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>Session tickets. Section <c>Tickets</c>.</summary>
public sealed class TicketOptions
{
    public const string Section = "Tickets";

    /// <summary>How long a ticket can be spent. Clients renew well before it ends.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Base64 HMAC-SHA256 key, at least 32 bytes, the same on every silo. When empty, each silo
    /// makes a random key at start: fine for one silo, wrong for a cluster.
    /// </summary>
    public string? SigningKey { get; set; }
}

/// <summary>Checks the [Range] rules above at start; generated, no reflection.</summary>
[OptionsValidator]
public sealed partial class AccountOptionsValidator : IValidateOptions<AccountOptions>;
