using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Grains.GameData;

/// <summary>Holds the current game data release and the silos' reports of applying it (see <see cref="IGameDataGrain"/>).</summary>
[GrainType("gamedata")]
public sealed class GameDataGrain(TimeProvider time) : Grain, IGameDataGrain
{
    private GameDataRelease? _release;
    private readonly Dictionary<string, GameDataApplied> _reports = new(StringComparer.Ordinal);

    public Task<long> Publish(IReadOnlyDictionary<string, string> files, string by)
    {
        var now = time.GetUtcNow();
        // Ticks of the clock, above the last: versions grow even across a failover of this grain.
        var version = Math.Max((_release?.Version ?? 0) + 1, now.UtcTicks);
        _release = new GameDataRelease(version, new Dictionary<string, string>(files, StringComparer.Ordinal), now, by);
        _reports.Clear();
        return Task.FromResult(version);
    }

    public Task<long> GetVersion() => Task.FromResult(_release?.Version ?? 0);

    public Task<GameDataRelease?> GetRelease() => Task.FromResult(_release);

    public Task ReportApplied(string silo, long version, string? error)
    {
        if (_release is { } release && release.Version == version)
        {
            _reports[silo] = new GameDataApplied(silo, version, error, time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<GameDataApplied>> GetReports(long version) =>
        Task.FromResult<IReadOnlyList<GameDataApplied>>([.. _reports.Values.Where(r => r.Version == version)]);
}
