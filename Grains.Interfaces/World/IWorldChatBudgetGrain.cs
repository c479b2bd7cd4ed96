namespace OrleansMmo.Grains.World;

/// <summary>
/// The cluster-wide budget of the WORLD chat channel: every line any player says there takes one token, so
/// a thousand fresh accounts saying a line a second each cannot push a thousand frames a second at every
/// player. One activation per cluster. Key: 0.
/// </summary>
[Alias("mmo.IWorldChatBudgetGrain")]
public interface IWorldChatBudgetGrain : IGrainWithIntegerKey
{
    /// <summary>Takes one line's token: zero when taken, otherwise how long until one is free.</summary>
    [Alias("TryTake")]
    Task<TimeSpan> TryTake();
}
