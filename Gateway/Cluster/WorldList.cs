using System.Collections.Immutable;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Gateway.Cluster;

/// <summary>
/// This gateway's copy of the world list with each world's status, refreshed with every registry
/// heartbeat: ListWorlds is answered from it without a grain call per client. A world the cluster
/// stopped reporting (no refresh for three heartbeats) is shown offline.
/// </summary>
public sealed class WorldList(TimeProvider time)
{
    private Snapshot _snapshot = new([], 0);

    public void Update(ImmutableArray<WorldStatus> worlds) => Volatile.Write(ref _snapshot, new Snapshot(worlds, time.GetTimestamp()));

    /// <summary>The worlds as last heard, all offline if that was longer ago than <paramref name="staleAfter"/>.</summary>
    public ImmutableArray<WorldStatus> Current(TimeSpan staleAfter)
    {
        var (worlds, at) = Volatile.Read(ref _snapshot);
        if (at != 0 && time.GetElapsedTime(at) <= staleAfter)
        {
            return worlds;
        }

        var now = time.GetUtcNow();
        return [.. worlds.Select(w => WorldStatus.Unreachable(w.WorldId, w.Name, w.IsDefault, now))];
    }

    private sealed record Snapshot(ImmutableArray<WorldStatus> Worlds, long At);
}
