using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Grains.World;

/// <summary>
/// One world (realm): who is in it, its capacity and maintenance switch (stored), and its login queue:
/// one FIFO queue per world, whatever gateway a player is on. It pushes queue positions to waiting
/// clients through their gateways, probes its zones (a world whose zones do not answer is offline), and
/// rebuilds who is in it from the gateways after a failover. Key: the world id.
/// </summary>
[Alias("mmo.IWorldGrain")]
public interface IWorldGrain : IGrainWithStringKey
{
    /// <summary>
    /// Lets a character in, or queues it when the world is full (game masters never queue), or refuses it
    /// (maintenance). A character already in is let in again (a resume or a re-attach). An account has at
    /// most one place in the queue: asking again, from any connection, keeps it and moves it to that connection.
    /// </summary>
    [Alias("Admit")]
    Task<Admission> Admit(AdmissionRequest request);

    /// <summary>The character left the world (logout, disconnect, leave): its place goes to the queue.</summary>
    [Alias("Leave")]
    Task Leave(Guid characterId);

    /// <summary>Gives up the account's place in the queue.</summary>
    [Alias("LeaveQueue")]
    Task LeaveQueue(Guid accountId);

    /// <summary>The queued connection closed: its place is kept for the reconnect grace, then lost.</summary>
    [Alias("QueueDisconnected")]
    Task QueueDisconnected(Guid accountId, long connectionId);

    [Alias("GetStatus"), Orleans.Concurrency.ReadOnly]
    Task<WorldStatus> GetStatus();

    /// <summary>Changes the stored capacity (null: the game data's) or maintenance switch; with <paramref name="kickPlayers"/> maintenance kicks everyone but game masters.</summary>
    [Alias("Configure")]
    Task<WorldStatus> Configure(int? capacity, bool? maintenance, bool kickPlayers);
}

/// <summary>Who asks to enter and where its connection is.</summary>
[GenerateSerializer, Alias("mmo.AdmissionRequest")]
public sealed record AdmissionRequest(
    [property: Id(0)] Guid CharacterId,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] string AccountKey,
    [property: Id(3)] bool IsGameMaster,
    [property: Id(4)] string GatewayId,
    [property: Id(5)] long ConnectionId,
    [property: Id(6)] IGatewayObserver Gateway,
    [property: Id(7)] string? QueueTicket);

[GenerateSerializer, Alias("mmo.AdmissionOutcome")]
public enum AdmissionOutcome
{
    Admitted = 0,
    Queued = 1,
    Maintenance = 2,
    /// <summary>The queue holds its maximum; retry later.</summary>
    QueueFull = 3,
}

/// <summary>The answer to <see cref="IWorldGrain.Admit"/>: in, or the place in the queue.</summary>
[GenerateSerializer, Alias("mmo.Admission")]
public sealed record Admission(
    [property: Id(0)] AdmissionOutcome Outcome,
    [property: Id(1)] QueuePlace? Place);

/// <summary>
/// A place in a world's queue (position 0 and <see cref="Ready"/> when it is its turn). <see cref="Version"/> orders
/// the statuses the world tells a client: newer ones carry higher versions (0 from a silo that did not number them).
/// </summary>
[GenerateSerializer, Alias("mmo.QueuePlace")]
public sealed record QueuePlace(
    [property: Id(0)] string WorldId,
    [property: Id(1)] int Position,
    [property: Id(2)] int Length,
    [property: Id(3)] string Ticket,
    [property: Id(4)] bool Ready,
    [property: Id(5)] TimeSpan ReadyFor,
    [property: Id(6)] TimeSpan EstimatedWait,
    [property: Id(7)] ulong Version = 0);

[GenerateSerializer, Alias("mmo.WorldState")]
public enum WorldState
{
    Open = 1,
    Full = 2,
    Maintenance = 3,
    Offline = 4,
}

/// <summary>A world as the world list and operators see it.</summary>
[GenerateSerializer, Alias("mmo.WorldStatus")]
public sealed record WorldStatus(
    [property: Id(0)] string WorldId,
    [property: Id(1)] string Name,
    [property: Id(2)] WorldState State,
    [property: Id(3)] int Online,
    [property: Id(4)] int Capacity,
    [property: Id(5)] int Queued,
    [property: Id(6)] bool Maintenance,
    [property: Id(7)] bool ZonesHealthy,
    [property: Id(8)] DateTimeOffset CheckedAt,
    [property: Id(9)] bool IsDefault)
{
    /// <summary>A world that did not answer: offline, everything else unknown.</summary>
    public static WorldStatus Unreachable(string worldId, string name, bool isDefault, DateTimeOffset at) =>
        new(worldId, name, WorldState.Offline, 0, 0, 0, false, false, at, isDefault);
}
