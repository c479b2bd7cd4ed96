namespace OrleansMmo.Grains.Diagnostics;

/// <summary>
/// A diagnostic grain that goes through the same write-behind storage as game state: one valuable
/// balance written through, one position written behind. The silo's <c>GET /health/storage</c> moves and
/// flushes one per silo, to show the cluster can write game state (after a deployment, a restore, a
/// database failover); the crash tests use it to show what a <c>kill -9</c> loses.
/// Key: any string ("health:&lt;silo endpoint&gt;" for the health check). State name "canary" in
/// <c>GrainState</c>, grain type "canary".
/// </summary>
[Alias("mmo.IStorageCanaryGrain")]
public interface IStorageCanaryGrain : IGrainWithStringKey
{
    /// <summary>Adds to the balance and returns it once written: a change of value.</summary>
    [Alias("Deposit")]
    Task<long> Deposit(long amount);

    /// <summary>Sets the position: a change of little value, written within the write-behind interval.</summary>
    [Alias("Move")]
    Task Move(long position);

    /// <summary>Writes any unsaved change now.</summary>
    [Alias("Flush")]
    Task Flush();

    [Alias("Report")]
    Task<StorageCanaryReport> Report();
}

/// <summary>What a canary holds, and whether it has unsaved changes.</summary>
[GenerateSerializer, Alias("mmo.StorageCanaryReport")]
public sealed record StorageCanaryReport(
    [property: Id(0)] long Balance,
    [property: Id(1)] long Position,
    [property: Id(2)] bool RecordExists,
    [property: Id(3)] bool IsDirty);
