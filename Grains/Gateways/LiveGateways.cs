using System.Collections.Frozen;
using System.Diagnostics;

namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// Which gateways' observers are in the registry now, as this silo last heard it: lets a grain leave a dead
/// gateway alone instead of calling an observer nobody holds. Each such call fails only in placement, after
/// Orleans' retries, each logged with a stack trace; after a gateway crash every returning player's login
/// paid that (910 logged exceptions in one run of the queue benchmark, docs/benchmarks).
/// </summary>
/// <remarks>
/// One snapshot per silo, at most <see cref="Fresh"/> old; an observer missing from a snapshot older than
/// <see cref="Recheck"/> is looked up again, so a gateway that has just joined is not taken for dead. When the
/// registry cannot be asked, every gateway counts as live: the caller then tries, as it did before.
/// </remarks>
public sealed class LiveGateways(IGrainFactory grains)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private Snapshot? _snapshot;
    private Task<Snapshot?>? _refreshing;

    /// <summary>Whether <paramref name="observer"/> belongs to a gateway in the registry (true when unknown).</summary>
    public async ValueTask<bool> IsLiveAsync(IGatewayObserver observer)
    {
        var id = observer.GetGrainId();
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null)
        {
            var age = Stopwatch.GetElapsedTime(snapshot.TakenAt);
            if (age < Recheck || (age < Fresh && snapshot.Observers.Contains(id)))
            {
                return snapshot.Observers.Contains(id);
            }
        }

        snapshot = await RefreshAsync().ConfigureAwait(false);
        return snapshot is null || snapshot.Observers.Contains(id);
    }

    /// <summary>One registry call at a time for the whole silo, off the calling grain's turn.</summary>
    private Task<Snapshot?> RefreshAsync()
    {
        lock (_gate)
        {
            if (_refreshing is { IsCompleted: false } running)
            {
                return running;
            }

            return _refreshing = Task.Run(async () =>
            {
                try
                {
                    var live = await grains.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive().ConfigureAwait(false);
                    var snapshot = new Snapshot(live.Select(g => g.Observer.GetGrainId()).ToFrozenSet(), Stopwatch.GetTimestamp());
                    Volatile.Write(ref _snapshot, snapshot);
                    return snapshot;
                }
                catch (Exception)
                {
                    // The registry is failing over: no answer is no evidence that a gateway died.
                    return null;
                }
            });
        }
    }

    private sealed record Snapshot(FrozenSet<GrainId> Observers, long TakenAt);
}
