using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Timers;

namespace OrleansMmo.Grains.Persistence;

/// <summary>What every write-behind state on a silo shares: options, metrics, timers, and the limit on concurrent writes.</summary>
internal sealed class WriteBehindRuntime(
    IOptions<WriteBehindOptions> options,
    WriteBehindMetrics metrics,
    ITimerRegistry timers,
    ILoggerFactory loggerFactory) : IDisposable
{
    public WriteBehindOptions Options { get; } = options.Value;

    public WriteBehindMetrics Metrics { get; } = metrics;

    public ITimerRegistry Timers { get; } = timers;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("OrleansMmo.Grains.Persistence.WriteBehindState");

    /// <summary>Bounds background writes in flight on this silo (timer, deactivation): at shutdown every dirty grain writes at once.</summary>
    public SemaphoreSlim WriteSlots { get; } = new(options.Value.MaxConcurrentWrites, options.Value.MaxConcurrentWrites);

    /// <summary>
    /// Bounds write-throughs and flushes in flight on this silo, apart from <see cref="WriteSlots"/>: background writes
    /// waiting on a slow database never hold a player's write-through back.
    /// </summary>
    public SemaphoreSlim WriteThroughSlots { get; } = new(options.Value.MaxConcurrentWriteThroughs, options.Value.MaxConcurrentWriteThroughs);

    /// <summary>Exponential backoff after <paramref name="failures"/> failed attempts, with ±20% jitter so grains that failed together retry apart.</summary>
    public TimeSpan RetryDelay(int failures)
    {
        var exponent = Math.Min(Math.Max(failures - 1, 0), 20);
        var delay = Math.Min(Options.RetryInitialDelay.TotalMilliseconds * Math.Pow(2, exponent), Options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    public void Dispose()
    {
        WriteSlots.Dispose();
        WriteThroughSlots.Dispose();
    }
}
