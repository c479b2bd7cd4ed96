namespace OrleansMmo.Grains.Operations;

/// <summary>
/// The cluster's address bans (CIDR ranges), stored. Gateways keep a copy, refreshed with every
/// registry heartbeat and pushed to them at each change, and check every Login, ResumeSession and
/// Register against it. Key: 0.
/// </summary>
[Alias("mmo.IAddressBanGrain")]
public interface IAddressBanGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or replaces the ban of <paramref name="ban"/>'s range; returns the new list version.</summary>
    [Alias("Add")]
    Task<long> Add(AddressBan ban);

    /// <summary>Lifts the ban of exactly this range; false if there was none.</summary>
    [Alias("Remove")]
    Task<bool> Remove(string cidr);

    /// <summary>The bans in force (expired ones left out) and the list's version.</summary>
    [Alias("GetAll"), Orleans.Concurrency.ReadOnly]
    Task<AddressBanList> GetAll();
}

/// <summary>The address bans and a version that grows with every change, so a copy knows when it is stale.</summary>
[GenerateSerializer, Alias("mmo.AddressBanList")]
public sealed record AddressBanList(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<AddressBan> Bans);
