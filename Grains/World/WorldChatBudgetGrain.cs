using Microsoft.Extensions.Options;
using OrleansMmo.Limits;

namespace OrleansMmo.Grains.World;

/// <summary>
/// A token bucket of <see cref="WorldOptions.WorldChatBurst"/> lines refilled at <see cref="WorldOptions.WorldChatPerSecond"/>,
/// shared by the whole cluster (announcements do not take from it). Held in memory: after a restart it starts full,
/// which costs at most one burst.
/// </summary>
[GrainType("worldchatbudget")]
public sealed class WorldChatBudgetGrain(IOptions<WorldOptions> options) : Grain, IWorldChatBudgetGrain
{
    private TokenBucket _lines = new(options.Value.WorldChatPerSecond, options.Value.WorldChatBurst);

    public Task<TimeSpan> TryTake() =>
        Task.FromResult(_lines.TryTake(out var retryAfter) ? TimeSpan.Zero : retryAfter);
}
