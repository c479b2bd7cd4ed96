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
}

[GenerateSerializer, Alias("mmo.KickReason")]
public enum KickReason
{
    LoggedInElsewhere = 1,
    KickedByAdmin = 2,
}
