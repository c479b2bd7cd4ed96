using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Security;

/// <summary>How the threads that compute password hashes are scheduled against everything else on the machine.</summary>
public enum HashingThreadPriority
{
    /// <summary>Like any other thread: a login storm takes its share of the cores from gameplay.</summary>
    Normal = 0,

    /// <summary>Nice 19 on Linux (<c>setpriority</c> on the thread), the lowest thread priority elsewhere.</summary>
    Low = 1,

    /// <summary>
    /// Linux <c>SCHED_IDLE</c> (and nice 19): the thread runs only on a core nothing else wants, and any other thread
    /// that wakes up preempts it at once. Elsewhere as <see cref="Low"/>.
    /// </summary>
    Idle = 2,
}

/// <summary>PBKDF2-SHA512 parameters and the bound on concurrent hashing. Section <c>Accounts:PasswordHashing</c>.</summary>
public sealed class PasswordHashingOptions : IValidatableObject
{
    public const string Section = "Accounts:PasswordHashing";

    /// <summary>
    /// PBKDF2-SHA512 iterations for new hashes (OWASP 2023: 210,000). Stored with each hash, so
    /// raising it upgrades each account at its next login.
    /// </summary>
    [Range(100_000, 10_000_000)] public int Iterations { get; set; } = 210_000;

    /// <summary>
    /// Hashes computed at once: the number of dedicated hashing threads. Half the cores by default so a login
    /// storm cannot take every core even from work that runs at the same priority.
    /// </summary>
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
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Scheduling of the hashing threads. A hash is tens of milliseconds of pure CPU; at <see cref="HashingThreadPriority.Idle"/>
    /// (the default) it only uses what gameplay leaves idle, so a login storm slows logins, not play. On Linux the
    /// priority counts against the threads of the same session (autogroup) or cgroup: the silo's own threads.
    /// </summary>
    [EnumDataType(typeof(HashingThreadPriority))]
    public HashingThreadPriority ThreadPriority { get; set; } = HashingThreadPriority.Idle;

    /// <summary>
    /// The <c>retry_after_ms</c> of a BUSY answer when hashing has just become saturated. It doubles for every
    /// <see cref="BusyRetryAfterDoubling"/> that the saturation lasts, up to <see cref="MaxBusyRetryAfter"/>, and each
    /// answer adds up to as much again at random, so a refused crowd neither comes back at once nor keeps coming back
    /// at the same pace while it is still too big.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan BusyRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest <c>retry_after_ms</c> before the random part (the answer is at most twice this).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxBusyRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long hashing must stay saturated (requests refused, none admitted without waiting) for the BUSY
    /// <c>retry_after_ms</c> to double. Saturation ends when a request finds nobody waiting ahead of it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan BusyRetryAfterDoubling { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBusyRetryAfter < BusyRetryAfter)
        {
            yield return new ValidationResult(
                $"{nameof(MaxBusyRetryAfter)} ({MaxBusyRetryAfter}) must be at least {nameof(BusyRetryAfter)} ({BusyRetryAfter})",
                [nameof(MaxBusyRetryAfter)]);
        }
    }
}

/// <summary>Checks the rules above at start; generated, no reflection.</summary>
[OptionsValidator]
public sealed partial class PasswordHashingOptionsValidator : IValidateOptions<PasswordHashingOptions>;
