using Orleans.Concurrency;

namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// A gateway process as grains see it: one observer per gateway, through which grains reach
/// that gateway's connections.
/// </summary>
[Alias("mmo.IGatewayObserver")]
public interface IGatewayObserver : IGrainObserver
{
    /// <summary>Closes the connection if it still belongs to <paramref name="sessionId"/>.</summary>
    [OneWay, Alias("Kick")]
    Task Kick(long connectionId, Guid sessionId, KickReason reason);

    /// <summary>
    /// Pushes each frame of the batch to its connection, or to every in-world connection for a
    /// broadcast frame (world chat, announcements). Not one-way: a sender learns from a failed or
    /// late answer that the gateway is gone, and stops sending to it; and from the receipt, which
    /// world updates the gateway let go (null: none).
    /// </summary>
    /// <remarks>
    /// Was <c>Task Deliver(PushBatch)</c> under the same alias, and stays compatible both ways in a rolling
    /// upgrade: an older gateway's answer reads as a null receipt, an older sender ignores the receipt.
    /// </remarks>
    [Alias("Deliver")]
    Task<DeliveryReceipt?> Deliver(PushBatch batch);

    /// <summary>The cluster's address bans changed: keep this copy, and kick connections from a banned address.</summary>
    [Alias("SetAddressBans")]
    Task SetAddressBans(Operations.AddressBanList bans);

    /// <summary>Starts (true) or ends (false) draining this gateway, as its own admin endpoint does; answers how many connections were moved.</summary>
    [Alias("SetDraining")]
    Task<int> SetDraining(bool draining);

    /// <summary>A shutdown is scheduled (or called off: null): refuse new logins until then.</summary>
    [Alias("ShutdownScheduled")]
    Task ShutdownScheduled(DateTimeOffset? at);

    /// <summary>
    /// The cluster is shutting down: close every connection with SERVER_SHUTDOWN and answer once each
    /// session's end is recorded (bounded). The gateway keeps running (refusing logins) until <see cref="Stop"/>.
    /// </summary>
    [Alias("ShutdownNow")]
    Task ShutdownNow();

    /// <summary>
    /// The last step of a cluster shutdown: stop this gateway's process. One-way, so the caller does not wait
    /// for an answer the stopping gateway may no longer send.
    /// </summary>
    [Alias("Stop"), Orleans.Concurrency.OneWay]
    Task Stop();

    /// <summary>This gateway's connections playing a character of <paramref name="worldId"/>: a world rebuilds who is in it from these.</summary>
    [Alias("ListInWorld")]
    Task<InWorldConnection[]> ListInWorld(string worldId);
}

/// <summary>One connection in the world, as its gateway knows it.</summary>
[GenerateSerializer, Alias("mmo.InWorldConnection")]
public sealed record InWorldConnection(
    [property: Id(0)] long ConnectionId,
    [property: Id(1)] Guid CharacterId,
    [property: Id(2)] Guid AccountId,
    [property: Id(3)] string AccountKey);

[GenerateSerializer, Alias("mmo.KickReason")]
public enum KickReason
{
    LoggedInElsewhere = 1,
    KickedByAdmin = 2,
}
