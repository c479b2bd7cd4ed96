using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Security;

/// <summary>PBKDF2-SHA512 parameters and the bound on concurrent hashing. Section <c>Accounts:PasswordHashing</c>.</summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "Accounts:PasswordHashing";

    /// <summary>
    /// PBKDF2-SHA512 iterations for new hashes (OWASP 2023: 210,000). Stored with each hash, so
    /// raising it upgrades each account at its next login.
    /// </summary>
    [Range(100_000, 10_000_000)] public int Iterations { get; set; } = 210_000;

    /// <summary>Hashes computed at once. Half the cores by default so a login storm cannot starve gameplay.</summary>
    [Range(1, 1024)] public int MaxConcurrent { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Hash requests allowed to wait for a slot; beyond this a login gets BUSY at once.</summary>
    [Range(0, 100_000)] public int MaxQueued { get; set; } = 256;

    /// <summary>
    /// Registrations allowed to wait for one of their slots (at most half of <see cref="MaxConcurrent"/>, at
    /// least one, hash for registrations at once); beyond this a Register gets BUSY at once. Registrations wait
    /// apart, so a registration flood cannot fill the queue logins wait in.
    /// </summary>
    [Range(0, 100_000)] public int MaxQueuedRegistrations { get; set; } = 64;

    /// <summary>Longest a request waits for a slot before it gets BUSY.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
public sealed partial class PasswordHashingOptionsValidator : IValidateOptions<PasswordHashingOptions>;
