using System.Collections.Immutable;

namespace OrleansMmo.Grains.World;

/// <summary>
/// The world list: every world of the game data with its status, asking each world grain (a world that
/// does not answer in time is offline). Gateways fetch it with every registry heartbeat and answer
/// ListWorlds from their copy. A stateless worker: each silo answers locally. Key: 0.
/// </summary>
[Alias("mmo.IWorldDirectoryGrain")]
public interface IWorldDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("GetWorlds"), Orleans.Concurrency.ReadOnly]
    Task<ImmutableArray<WorldStatus>> GetWorlds();
}
