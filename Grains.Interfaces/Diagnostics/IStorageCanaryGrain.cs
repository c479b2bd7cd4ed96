namespace OrleansMmo.Grains.Diagnostics;

/// <summary>
/// A diagnostic grain that goes through the same write-behind storage as game state: one valuable
/// balance written through, one position written behind. Calling it shows that a silo can read and
/// write game state (after a deployment, a restore, a database failover) and what a crash loses.
/// Key: any string, e.g. "canary:ops". State name "canary" in <c>GrainState</c>, grain type "canary".
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
