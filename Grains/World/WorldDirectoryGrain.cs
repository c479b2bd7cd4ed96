using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansMmo.Grains.GameData;

namespace OrleansMmo.Grains.World;

/// <summary>
/// Every world with its status, asking each world grain (bounded by <see cref="WorldOptions.ProbeTimeout"/>);
/// a world that does not answer is offline. Remembered for a second per activation, so gateways
/// heartbeating every two seconds cost each world grain about one call a second per silo.
/// </summary>
[StatelessWorker, GrainType("worlddirectory")]
public sealed class WorldDirectoryGrain(GameDataCatalog gameData, IOptions<WorldOptions> options, TimeProvider time) : Grain, IWorldDirectoryGrain
{
    private static readonly TimeSpan CacheAge = TimeSpan.FromSeconds(1);

    private ImmutableArray<WorldStatus> _cached = [];
    private DateTimeOffset _cachedAt = DateTimeOffset.MinValue;

    public async Task<ImmutableArray<WorldStatus>> GetWorlds()
    {
        var now = time.GetUtcNow();
        if (now - _cachedAt < CacheAge)
        {
            return _cached;
        }

        var statuses = await Task.WhenAll(gameData.WorldList.Select(async world =>
        {
            try
            {
                return await GrainFactory.GetGrain<IWorldGrain>(world.Id).GetStatus().WaitAsync(options.Value.ProbeTimeout);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return WorldStatus.Unreachable(world.Id, world.Name, world.Id == gameData.DefaultWorld, now);
            }
        }));
        _cached = [.. statuses];
        _cachedAt = now;
        return _cached;
    }
}
