using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Persistence;

/// <summary>When and how write-behind state reaches storage. Section <c>WriteBehind</c>.</summary>
public sealed class WriteBehindOptions
{
    public const string Section = "WriteBehind";

    /// <summary>
    /// A dirty state is written at most this long after its first unsaved change, and then at most
    /// once per interval however many changes it gets. What a crash can lose. Each activation writes
    /// at its own random phase within the interval, so grains do not write in waves.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long <see cref="IWriteBehindState{TState}.WriteThroughAsync"/> and <c>FlushAsync</c> may take, all waits
    /// included (the grain's own write in flight, a write slot, the storage call, retries), before they throw
    /// <see cref="StateNotWrittenException"/>. A storage call still running then is left to finish (never cancelled);
    /// see docs/persistence.md, "When a write-through gives up".
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan WriteThroughTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait after a failed write; doubled after each further failure, up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between two attempts to write a dirty state while the database is away.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a deactivating grain keeps retrying to write its dirty state before it gives up and
    /// logs the loss. Bounds a graceful silo shutdown while the database is away; the silo raises
    /// Orleans' deactivation timeout and the host's shutdown timeout above it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:30:00")]
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Background storage writes (the write-behind timer, deactivation, shutdown) in flight at once on one silo;
    /// more wait their turn (a shutdown writes every dirty grain at once).
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentWrites { get; set; } = 32;

    /// <summary>
    /// Write-through and flush storage writes (logins, gold, items, zone changes) in flight at once on one silo: a pool
    /// of their own, so background writes stuck behind a slow database never make a player's write-through wait for a
    /// slot. A write-through that finds none free within its <see cref="WriteThroughTimeout"/> throws.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentWriteThroughs { get; set; } = 32;
}

/// <summary>Checks the [Range] rules above at start; generated, no reflection.</summary>
[OptionsValidator]
public sealed partial class WriteBehindOptionsValidator : IValidateOptions<WriteBehindOptions>;
