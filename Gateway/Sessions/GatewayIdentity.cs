using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>This gateway process as the cluster sees it: its id, and its observer reference through which grains reach its connections.</summary>
public sealed class GatewayIdentity(IOptions<GatewayOptions> options)
{
    private IGatewayObserver? _observer;

    public string GatewayId { get; } = string.IsNullOrWhiteSpace(options.Value.GatewayId)
        ? $"gw-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}"
        : options.Value.GatewayId;

    /// <summary>This process: new at every start, so records can tell a restarted gateway from the one that died.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    public IGatewayObserver Observer => _observer ?? throw new InvalidOperationException("The gateway observer is not registered yet.");

    public void SetObserver(IGatewayObserver reference) => _observer = reference;
}

/// <summary>Receives grain calls aimed at this gateway's connections.</summary>
public sealed class GatewayObserver(
    SessionRegistry sessions,
    DeliveryStats stats,
    Operations.AddressBans addressBans,
    Operations.ClusterShutdown shutdown,
    IServiceProvider services) : IGatewayObserver
{
    /// <summary>
    /// Fans a zone's batch out to sockets. A frame whose connection closed, or now plays another
    /// character, is dropped: the zone learns of it when the player leaves.
    /// </summary>
    public Task Deliver(PushBatch batch)
    {
        stats.Record(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            if (sessions.TryGet(batch.ConnectionIds[i], out var session))
            {
                session.SendWorldPush(batch.CharacterIds[i], batch.Opcodes[i], batch.PayloadOf(i));
            }
        }

        return Task.CompletedTask;
    }

    public Task Broadcast(ushort opcode, byte[] payload)
    {
        foreach (var session in sessions.All)
        {
            if (session.State == SessionState.InWorld)
            {
                session.SendPush(opcode, payload);
            }
        }

        return Task.CompletedTask;
    }

    public Task SetAddressBans(Grains.Operations.AddressBanList bans)
    {
        addressBans.Update(bans);
        return Task.CompletedTask;
    }

    public async Task<int> SetDraining(bool draining)
    {
        // Resolved when used: the drain depends on the registry heartbeat, which is started after this observer.
        var drain = services.GetRequiredService<Cluster.GatewayDrain>();
        return draining ? (await drain.DrainAsync(CancellationToken.None)).ConnectionsMoved : (await drain.ResumeAsync(CancellationToken.None)).ConnectionsMoved;
    }

    public Task ShutdownScheduled(DateTimeOffset? at)
    {
        shutdown.SetPending(at);
        return Task.CompletedTask;
    }

    public Task ShutdownNow() => shutdown.ShutdownNowAsync();

    public Task<InWorldConnection[]> ListInWorld(string worldId)
    {
        var found = new List<InWorldConnection>();
        foreach (var session in sessions.All)
        {
            if (session.State == SessionState.InWorld && session.Binding is { CharacterId: { } characterId } binding && binding.WorldId == worldId)
            {
                found.Add(new InWorldConnection(session.ConnectionId, characterId, binding.AccountId, binding.AccountKey));
            }
        }

        return Task.FromResult(found.ToArray());
    }

    public Task Kick(long connectionId, Guid sessionId, KickReason reason)
    {
        if (sessions.TryGet(connectionId, out var session) && session.Binding?.SessionId == sessionId)
        {
            if (reason == KickReason.LoggedInElsewhere)
            {
                session.Close(Protocol.Messages.DisconnectReason.LoggedInElsewhere, "session replaced by a newer login");
            }
            else
            {
                session.Close(Protocol.Messages.DisconnectReason.KickedByAdmin, "kicked by an administrator");
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>Registers the observer once the Orleans client is up; it must stay referenced, Orleans holds it weakly.</summary>
public sealed class GatewayObserverRegistration(IClusterClient client, GatewayObserver observer, GatewayIdentity identity) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        identity.SetObserver(client.CreateObjectReference<IGatewayObserver>(observer));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
