namespace OrleansMmo.Grains.Operations;

/// <summary>
/// The game data releases of a live reload. An operator's reload checks the files on one silo, then
/// publishes their texts here; every silo's watcher polls the version, checks and applies the same texts,
/// and reports back, so every silo runs the same data whatever is on its disk. A silo that starts later
/// applies the current release too. In memory: after a full cluster restart, silos read their disks.
/// Versions grow across activations (they are clock ticks), so a watcher never mistakes an old one. Key: 0.
/// </summary>
[Alias("mmo.IGameDataGrain")]
public interface IGameDataGrain : IGrainWithIntegerKey
{
    /// <summary>Makes <paramref name="files"/> (already checked) the cluster's game data; returns its version.</summary>
    [Alias("Publish")]
    Task<long> Publish(IReadOnlyDictionary<string, string> files, string by);

    /// <summary>The current release's version; 0 when nothing was published since the cluster started.</summary>
    [Alias("GetVersion"), Orleans.Concurrency.ReadOnly]
    Task<long> GetVersion();

    [Alias("GetRelease"), Orleans.Concurrency.ReadOnly]
    Task<GameDataRelease?> GetRelease();

    /// <summary>A silo applied <paramref name="version"/> (or could not: <paramref name="error"/>).</summary>
    [Alias("ReportApplied")]
    Task ReportApplied(string silo, long version, string? error);

    [Alias("GetReports"), Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<GameDataApplied>> GetReports(long version);
}

/// <summary>A published game data release: the texts of its files.</summary>
[GenerateSerializer, Alias("mmo.GameDataRelease")]
public sealed record GameDataRelease(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyDictionary<string, string> Files,
    [property: Id(2)] DateTimeOffset PublishedAt,
    [property: Id(3)] string By);

/// <summary>One silo's answer to a release: applied, or the error that kept its old data.</summary>
[GenerateSerializer, Alias("mmo.GameDataApplied")]
public sealed record GameDataApplied(
    [property: Id(0)] string Silo,
    [property: Id(1)] long Version,
    [property: Id(2)] string? Error,
    [property: Id(3)] DateTimeOffset At);

/// <summary>What a reload did: the version and each active silo's answer (missing: it did not answer in time).</summary>
[GenerateSerializer, Alias("mmo.GameDataReload")]
public sealed record GameDataReload(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<GameDataApplied> Silos,
    [property: Id(2)] IReadOnlyList<string> Missing);
