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
    /// late answer that the gateway is gone, and stops sending to it.
    /// </summary>
    [Alias("Deliver")]
    Task Deliver(PushBatch batch);
}

[GenerateSerializer, Alias("mmo.KickReason")]
public enum KickReason
{
    LoggedInElsewhere = 1,
    KickedByAdmin = 2,
}
