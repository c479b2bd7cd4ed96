using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Cluster;

/// <summary>
/// Takes this gateway out of service without dropping players: it stops accepting, the registry and the
/// load balancer (through readiness) stop sending clients here, and every client is told to resume on
/// another gateway with its ticket, no password needed.
/// </summary>
public sealed partial class GatewayDrain(
    GatewayDirectory directory,
    GatewayRegistryHeartbeat heartbeat,
    SessionRegistry sessions,
    ILogger<GatewayDrain> logger)
{
    public const string Detail = "gateway draining; resume on another gateway with your ticket";

    public bool IsDraining => directory.IsDraining;

    /// <summary>Starts draining (again, if already draining: clients that slipped in are moved too).</summary>
    public async Task<DrainResult> DrainAsync(CancellationToken cancellationToken)
    {
        directory.SetDraining(true);
        try
        {
            // Before clients are moved: their alternatives come from this refresh, and the registry stops
            // listing this gateway to logins elsewhere.
            await heartbeat.BeatAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Draining goes on with the cached list: moving players must not depend on the registry.
            LogRegistryUnreachable(logger, ex);
        }

        var alternatives = directory.Alternatives.ToArray();
        var moved = 0;
        foreach (var session in sessions.All)
        {
            if (!session.IsClosing)
            {
                session.Close(DisconnectReason.Draining, Detail, alternatives: alternatives);
                moved++;
            }
        }

        LogDraining(logger, directory.GatewayId, moved, alternatives.Length);
        return new DrainResult(directory.GatewayId, true, moved, alternatives.Select(a => $"{a.Host}:{a.Port}").ToArray());
    }

    /// <summary>Accepts clients again.</summary>
    public async Task<DrainResult> ResumeAsync(CancellationToken cancellationToken)
    {
        directory.SetDraining(false);
        try
        {
            await heartbeat.BeatAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRegistryUnreachable(logger, ex);
        }

        LogResumed(logger, directory.GatewayId);
        return new DrainResult(directory.GatewayId, false, 0, []);
    }

    /// <summary>A connection accepted while draining: told where to go, then closed.</summary>
    public void Redirect(ClientSession session) =>
        session.Close(DisconnectReason.Draining, Detail, alternatives: directory.Alternatives);

    [LoggerMessage(EventId = LogEvents.DrainStarted, Level = LogLevel.Warning, Message = "Gateway {GatewayId} draining: moving {Connections} connections to {Alternatives} other gateways")]
    private static partial void LogDraining(ILogger logger, string gatewayId, int connections, int alternatives);

    [LoggerMessage(EventId = LogEvents.DrainEnded, Level = LogLevel.Warning, Message = "Gateway {GatewayId} accepts clients again")]
    private static partial void LogResumed(ILogger logger, string gatewayId);

    [LoggerMessage(EventId = LogEvents.DrainRegistryUnreachable, Level = LogLevel.Warning, Message = "Drain: the registry is unreachable; using the cached gateway list")]
    private static partial void LogRegistryUnreachable(ILogger logger, Exception exception);
}

/// <summary>What an admin drain call answers.</summary>
public sealed record DrainResult(string GatewayId, bool Draining, int ConnectionsMoved, string[] Alternatives);
