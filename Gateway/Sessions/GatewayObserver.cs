using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>Receives grain calls aimed at this gateway's connections.</summary>
public sealed class GatewayObserver(
    SessionRegistry sessions,
    DeliveryStats stats,
    BroadcastPacer broadcasts,
    Operations.AddressBans addressBans,
    Operations.ClusterShutdown shutdown,
    IServiceProvider services) : IGatewayObserver
{
    /// <summary>
    /// Fans a batch out to sockets. A frame whose connection closed, or now plays another
    /// character, is dropped: the zone learns of it when the player leaves. A broadcast frame goes
    /// to every in-world connection. A world update let go because its client reads too slowly, or
    /// because its call arrived after one of a later tick from the same zone (it would undo what the
    /// client was told since), is named in the receipt, so its zone sends that player the whole view next.
    /// </summary>
    public Task<DeliveryReceipt?> Deliver(PushBatch batch)
    {
        var (broadcastFrames, late) = stats.Record(batch);
        List<Guid>? undelivered = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (late && batch.Opcodes[i] == (ushort)Protocol.Opcode.WorldUpdate)
            {
                (undelivered ??= []).Add(batch.CharacterIds[i]);
                continue;
            }

            if (batch.ConnectionIds[i] != PushBatch.Everyone
                && sessions.TryGet(batch.ConnectionIds[i], out var session)
                && !session.SendWorldPush(batch.CharacterIds[i], batch.Opcodes[i], batch.PayloadOf(i))
                && batch.Opcodes[i] == (ushort)Protocol.Opcode.WorldUpdate)
            {
                (undelivered ??= []).Add(batch.CharacterIds[i]);
            }
        }

        if (broadcastFrames > 0)
        {
            broadcasts.Enqueue(batch);
        }

        return Task.FromResult(undelivered is null ? null : new DeliveryReceipt([.. undelivered]));
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

    public Task Stop()
    {
        shutdown.Stop();
        return Task.CompletedTask;
    }

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
