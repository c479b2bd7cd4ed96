using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.World;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;
using MoveRejection = OrleansMmo.Protocol.Messages.MoveRejection;

namespace OrleansMmo.Tests.World;

/// <summary>
/// The world through real sockets, a real gateway and a real silo, on the test game data
/// (Tests/GameData: spawn at (1500, 1500) in "plains", 100 m/s, a portal 100 m east of the
/// spawn). The view radius is the default 60 m. Other tests' characters may stand around the
/// spawn, so every assertion names the characters of its own test.
/// </summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class WorldTests(GameCluster cluster)
{
    private const float SpawnX = 1500, SpawnY = 1500;

    [Fact]
    public async Task EnteringTheWorldPlacesANewCharacterAtTheSpawnWithItsStartingGoods()
    {
        await using var p = await WorldPlayer.EnterAsync(cluster, "spawn");

        Assert.Equal("plains", p.Entered.Arrival.Zone.ZoneId);
        Assert.Equal(SpawnX, p.Entered.Arrival.Position.X);
        Assert.Equal(SpawnY, p.Entered.Arrival.Position.Y);
        Assert.Equal(100f, p.Entered.Arrival.Zone.MaxSpeed);
        Assert.Single(p.Entered.Arrival.Zone.Portals);
        Assert.Equal(100ul, p.Entered.Player.Gold);
        Assert.Contains(p.Entered.Player.Inventory, s => s.ItemId == "potion-small" && s.Count == 3);

        var info = await p.Client.GetPlayerAsync();
        Assert.Equal(p.Name, info.Name);
        Assert.Equal("plains", info.ZoneId);
    }

    [Fact]
    public async Task TwoPlayersInOneZoneSeeEachOtherEnterMoveAndLeave()
    {
        await using var a = await WorldPlayer.EnterAsync(cluster, "seeA");
        await using var b = await WorldPlayer.EnterAsync(cluster, "seeB");

        await a.WaitToSeeAsync(b.Name);
        await b.WaitToSeeAsync(a.Name);

        var moved = await b.MoveAsync(SpawnX + 10, SpawnY + 5);
        Assert.True(moved.Accepted);
        await a.WaitToSeeAsync(b.Name, e => e.X == SpawnX + 10 && e.Y == SpawnY + 5);

        await b.Client.LeaveWorldAsync();
        await a.WaitNotToSeeAsync(b.Name);
    }

    [Fact]
    public async Task LogoutAndDisconnectTakeTheCharacterOutOfItsZone()
    {
        await using var watcher = await WorldPlayer.EnterAsync(cluster, "watch");
        await using var leaver = await WorldPlayer.EnterAsync(cluster, "logo");
        await using var dropper = await WorldPlayer.EnterAsync(cluster, "drop");
        await watcher.WaitToSeeAsync(leaver.Name);
        await watcher.WaitToSeeAsync(dropper.Name);

        await leaver.Client.LogoutAsync();
        await watcher.WaitNotToSeeAsync(leaver.Name);

        await dropper.DisposeAsync();
        await watcher.WaitNotToSeeAsync(dropper.Name);
    }

    [Fact]
    public async Task APlayerBeyondTheViewRadiusLearnsNothingOfAnother()
    {
        await using var far = await WorldPlayer.EnterAsync(cluster, "far");
        Assert.True((await far.MoveAsync(SpawnX - 100, SpawnY)).Accepted);

        await using var near = await WorldPlayer.EnterAsync(cluster, "near");
        await using var witness = await WorldPlayer.EnterAsync(cluster, "wit");
        Assert.True((await near.MoveAsync(SpawnX + 5, SpawnY)).Accepted);
        // The witness stands beside "near": once it saw the move, the zone has ticked with it.
        await witness.WaitToSeeAsync(near.Name, e => e.X == SpawnX + 5);

        Assert.False(far.EverSaw(near.Name));
        Assert.False(far.EverSaw(witness.Name));

        // And the same pipeline tells "far" about "near" as soon as it is within 60 m. The 50 m step needs the time its
        // speed allows since the last one, which a quiet machine can be quicker than: asked again until it is granted.
        await Await.Until(async () => (await far.MoveAsync(SpawnX - 50, SpawnY)).Accepted, "the 50 m step to be granted", interval: TimeSpan.FromMilliseconds(200));
        await far.WaitToSeeAsync(near.Name);
    }

    [Fact]
    public async Task MovesThatAreTooFastOutOfBoundsOrNotNumbersAreCorrected()
    {
        using var corrections = new CounterListener(WorldMetrics.MeterName, "mmo.world.corrections");
        await using var p = await WorldPlayer.EnterAsync(cluster, "fast");

        var tooFast = await p.MoveAsync(SpawnX, SpawnY + 300);
        Assert.False(tooFast.Accepted);
        Assert.Equal(MoveRejection.TooFast, tooFast.Rejection);
        Assert.Equal(SpawnY, tooFast.Position.Y);

        var outside = await p.MoveAsync(-5, SpawnY);
        Assert.Equal(MoveRejection.OutOfBounds, outside.Rejection);

        var notANumber = await p.MoveAsync(float.NaN, SpawnY);
        Assert.Equal(MoveRejection.InvalidPosition, notANumber.Rejection);

        var fine = await p.MoveAsync(SpawnX - 20, SpawnY - 20);
        Assert.True(fine.Accepted);
        Assert.Equal(SpawnX - 20, fine.Position.X);

        // The budget does not save up for a teleport: after a pause, a 300 m jump is still refused.
        var info = await p.Client.GetPlayerAsync();
        Assert.Equal(SpawnX - 20, info.Position.X);
        Assert.True(corrections.Total >= 3, $"corrections counted: {corrections.Total}");
    }

    [Fact]
    public async Task APortalMovesTheCharacterToAnotherZoneAndBothZonesSeeIt()
    {
        // A watcher on each side: one near the portal in the plains, one at the hills' arrival point.
        await using var plainsWatcher = await WorldPlayer.EnterAsync(cluster, "pw");
        Assert.True((await plainsWatcher.MoveAsync(SpawnX + 60, SpawnY + 20)).Accepted);
        await using var hillsWatcher = await WorldPlayer.EnterAsync(cluster, "hw");
        var through = await hillsWatcher.MoveAsync(1610, 1500);
        Assert.Equal("hills", through.ZoneChanged.Zone.ZoneId);

        await using var traveller = await WorldPlayer.EnterAsync(cluster, "trav");
        var goodsBefore = await traveller.Client.GetPlayerAsync();
        Assert.True((await traveller.MoveAsync(SpawnX + 50, SpawnY)).Accepted);
        await plainsWatcher.WaitToSeeAsync(traveller.Name, e => e.X == SpawnX + 50);

        var moved = await traveller.MoveAsync(1610, 1500);

        Assert.True(moved.Accepted);
        Assert.Equal("hills", moved.ZoneChanged.Zone.ZoneId);
        Assert.Equal(100f, moved.ZoneChanged.Position.X);
        await plainsWatcher.WaitNotToSeeAsync(traveller.Name);
        await hillsWatcher.WaitToSeeAsync(traveller.Name);
        // Never in both: by the time the hills show it, the plains have let it go.
        Assert.Null(plainsWatcher.Snapshot(v => v.FindByName(traveller.Name)));

        var goodsAfter = await traveller.Client.GetPlayerAsync();
        Assert.Equal("hills", goodsAfter.ZoneId);
        Assert.Equal(goodsBefore.Gold, goodsAfter.Gold);
        Assert.Equal(goodsBefore.Inventory, goodsAfter.Inventory);

        // And the traveller sees the hills' people, not the plains'.
        await traveller.WaitToSeeAsync(hillsWatcher.Name);
    }

    [Fact]
    public async Task AZoneSendsAtMostOneDeliveryPerGatewayPerTick()
    {
        var gateway = await cluster.StartGatewayAsync();
        var stats = gateway.Services.GetRequiredService<DeliveryStats>();
        var port = GameCluster.GamePortOf(gateway);
        var players = new List<WorldPlayer>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                players.Add(await WorldPlayer.EnterAsync(cluster, "batch", port));
            }

            var callsBefore = stats.Calls;
            // Everyone moves in every round, so every tick has something for all of them.
            for (var round = 1; round <= 5; round++)
            {
                await Task.WhenAll(players.Select((p, i) => p.MoveAsync(SpawnX - 30 + i, SpawnY - 30 + round)));
            }

            var last = players[^1];
            await players[0].WaitToSeeAsync(last.Name, e => e.Y == SpawnY - 25);

            // Every player hears of the others (its first update is never lost, see ClientSession.World.cs).
            foreach (var p in players)
            {
                await p.WaitForAsync(x => x.UpdatesReceived > 0, "a world update");
            }

            Assert.True(stats.Calls > callsBefore);
            Assert.Equal(1, stats.MostCallsInOneTick);
        }
        finally
        {
            foreach (var p in players)
            {
                await p.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AZoneDeliveryThatArrivesAfterALaterTicksIsLetGoAndItsPlayersNamedForAWholeView()
    {
        // Orleans hands each message the gateway's client receives to the thread pool on its own, so two deliveries
        // from one zone can run in either order. Here the order is forced: tick 1000, then 999, then 1001.
        var stats = cluster.Gateway.Services.GetRequiredService<DeliveryStats>();
        var gatewayId = cluster.Gateway.Services.GetRequiredService<GatewayIdentity>().GatewayId;
        await using var player = await WorldPlayer.EnterAsync(cluster, "late");
        var grains = cluster.Silo.Services.GetRequiredService<IGrainFactory>();
        var gateway = (await grains.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive()).Single(g => g.GatewayId == gatewayId).Observer;
        var characterId = Guid.Parse(player.Entered.Character.CharacterId);
        var connection = (await gateway.ListInWorld(player.Entered.Character.WorldId)).Single(c => c.CharacterId == characterId);
        const string Zone = "late-deliveries";
        PushBatch Tick(long tick)
        {
            var writer = new PushWriter();
            writer.BeginFrame(connection.ConnectionId, characterId, (ushort)Opcode.WorldUpdate);
            writer.WriteRaw(new WorldUpdate { ZoneId = Zone, Tick = (ulong)tick }.ToByteArray());
            writer.EndFrame();
            return writer.ToBatch("test/" + Zone, tick);
        }

        var lateBefore = stats.LateCalls;
        Assert.Null(await gateway.Deliver(Tick(1000)));
        var late = await gateway.Deliver(Tick(999));
        Assert.Null(await gateway.Deliver(Tick(1001)));

        // The late one is named (its zone forgets what it told the player, so the next update is whole) and never sent.
        Assert.NotNull(late);
        Assert.Equal([characterId], late.Undelivered);
        await player.WaitForAsync(p => p.TicksFrom(Zone).Contains(1001ul), "the update of tick 1001");
        Assert.Equal([1000ul, 1001ul], player.TicksFrom(Zone));
        Assert.Equal(lateBefore + 1, stats.LateCalls);
    }

    [Fact]
    public async Task AClientCannotPlayAnotherAccountsCharacter()
    {
        await using var owner = await WorldPlayer.EnterAsync(cluster, "own");
        var (thief, _, _) = await cluster.LoggedInClientAsync("thief");
        await using var _ = thief;

        var error = await Assert.ThrowsAsync<MmoErrorException>(() => thief.EnterWorldAsync(owner.Entered.Character.CharacterId));
        Assert.Equal(ErrorCode.CharacterNotFound, error.Code);

        // Moves before entering the world are refused by state; the owner's character never moved.
        var notInWorld = await Assert.ThrowsAsync<MmoErrorException>(() => thief.MoveAsync(SpawnX + 1, SpawnY));
        Assert.Equal(ErrorCode.NotAllowedInState, notInWorld.Code);
        var info = await owner.Client.GetPlayerAsync();
        Assert.Equal(SpawnX, info.Position.X);
    }

    [Fact]
    public async Task AZoneDropsAGatewayThatStopsAnsweringAndItsPlayersLeave()
    {
        // A gateway whose observer fails every delivery, as one that died would; its character
        // stands 20 m north of the spawn.
        var orleans = cluster.Gateway.Services.GetRequiredService<IClusterClient>();
        var dead = new FailingGateway();
        var reference = orleans.CreateObjectReference<OrleansMmo.Grains.Gateways.IGatewayObserver>(dead);
        var ghost = "Ghost" + Guid.NewGuid().ToString("N")[..8];
        var session = new PlayerSession(Guid.NewGuid(), "dead-" + Guid.NewGuid().ToString("N")[..8], 1, reference);
        // The watcher first: the ghost's very first update (its own health, the watcher) already fails.
        await using var watcher = await WorldPlayer.EnterAsync(cluster, "ghw");
        await orleans.GetGrain<IZoneGrain>(ZoneKeys.Of("alpha", "plains")).Enter(new ZoneMember(Guid.NewGuid(), ghost, 1, new OrleansMmo.Grains.World.Position(SpawnX, SpawnY + 20), session));

        // Seen at least once: the zone may give the ghost up right after (see below).
        await watcher.WaitForAsync(p => p.EverSaw(ghost), "the ghost in view");
        // Each move changes the ghost's view, so the next tick tries (and fails) to deliver to it;
        // a failed delivery also makes the zone resend the ghost's whole view on the following
        // ticks. Until the zone gives the gateway up, keep giving it something to send.
        for (var i = 1; watcher.Snapshot(v => v.FindByName(ghost) is not null); i++)
        {
            var attempts = dead.Attempts;
            await watcher.MoveAsync(SpawnX + (i % 2), SpawnY);
            await Await.Until(() => dead.Attempts > attempts || watcher.Snapshot(v => v.FindByName(ghost) is null),
                "another delivery to the dead gateway", interval: TimeSpan.FromMilliseconds(20));
            Assert.True(i < 50, "the zone kept delivering to a gateway that fails every call");
        }

        Assert.True(dead.Attempts >= 3, $"deliveries tried: {dead.Attempts}");
        orleans.DeleteObjectReference<OrleansMmo.Grains.Gateways.IGatewayObserver>(reference);
    }

    [Fact]
    public async Task AnUpdateThatDidNotArriveIsFollowedByTheWholeViewMarkedFull()
    {
        // A gateway whose first delivery fails (a blip), and which then answers; its character
        // stands 20 m south of the spawn, where a watcher sees it.
        var orleans = cluster.Gateway.Services.GetRequiredService<IClusterClient>();
        var flaky = new FlakyGateway();
        var reference = orleans.CreateObjectReference<OrleansMmo.Grains.Gateways.IGatewayObserver>(flaky);
        var name = "Flaky" + Guid.NewGuid().ToString("N")[..8];
        var session = new PlayerSession(Guid.NewGuid(), "flaky-" + Guid.NewGuid().ToString("N")[..8], 1, reference);
        await using var watcher = await WorldPlayer.EnterAsync(cluster, "flw");
        Assert.True((await watcher.MoveAsync(SpawnX, SpawnY - 15)).Accepted);
        await orleans.GetGrain<IZoneGrain>(ZoneKeys.Of("alpha", "plains")).Enter(new ZoneMember(Guid.NewGuid(), name, 1, new OrleansMmo.Grains.World.Position(SpawnX, SpawnY - 20), session));
        await watcher.WaitToSeeAsync(name);

        // Its first update (the watcher entering its view) was lost; a whole one follows, unasked,
        // though the watcher has not moved since.
        var update = await flaky.FirstFullUpdateAsync();
        Assert.Contains(update.Entered, e => e.Name == watcher.Name);
        Assert.Equal(1, flaky.Failed);
        orleans.DeleteObjectReference<OrleansMmo.Grains.Gateways.IGatewayObserver>(reference);
    }

    /// <summary>An observer that fails its first delivery and then hands every WorldUpdate to the test.</summary>
    private sealed class FlakyGateway : OrleansMmo.Grains.Gateways.IGatewayObserver
    {
        private readonly System.Threading.Channels.Channel<OrleansMmo.Protocol.Messages.WorldUpdate> _updates =
            System.Threading.Channels.Channel.CreateUnbounded<OrleansMmo.Protocol.Messages.WorldUpdate>();
        private int _calls;

        public int Failed => Math.Min(1, Volatile.Read(ref _calls));

        public Task Kick(long connectionId, Guid sessionId, OrleansMmo.Grains.Gateways.KickReason reason) => Task.CompletedTask;

        // Operations calls this test double never takes part in.
        public Task SetAddressBans(OrleansMmo.Grains.Operations.AddressBanList bans) => Task.CompletedTask;

        public Task<int> SetDraining(bool draining) => Task.FromResult(0);

        public Task ShutdownScheduled(DateTimeOffset? at) => Task.CompletedTask;

        public Task ShutdownNow() => Task.CompletedTask;

        public Task Stop() => Task.CompletedTask;

        public Task<OrleansMmo.Grains.Gateways.InWorldConnection[]> ListInWorld(string worldId) => Task.FromResult(Array.Empty<OrleansMmo.Grains.Gateways.InWorldConnection>());

        public Task<OrleansMmo.Grains.Gateways.DeliveryReceipt?> Deliver(OrleansMmo.Grains.Gateways.PushBatch batch)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                throw new IOException("a blip");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (batch.Opcodes[i] == (ushort)OrleansMmo.Protocol.Opcode.WorldUpdate)
                {
                    _updates.Writer.TryWrite(OrleansMmo.Protocol.Messages.WorldUpdate.Parser.ParseFrom(batch.PayloadOf(i)));
                }
            }

            return Task.FromResult<OrleansMmo.Grains.Gateways.DeliveryReceipt?>(null);
        }

        public async Task<OrleansMmo.Protocol.Messages.WorldUpdate> FirstFullUpdateAsync()
        {
            using var timeout = new CancellationTokenSource(Await.Default);
            while (true)
            {
                var update = await _updates.Reader.ReadAsync(timeout.Token);
                if (update.Full)
                {
                    return update;
                }
            }
        }
    }

    /// <summary>An observer that fails every call, like a gateway that died.</summary>
    private sealed class FailingGateway : OrleansMmo.Grains.Gateways.IGatewayObserver
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public Task Kick(long connectionId, Guid sessionId, OrleansMmo.Grains.Gateways.KickReason reason) => Task.CompletedTask;

        public Task<OrleansMmo.Grains.Gateways.DeliveryReceipt?> Deliver(OrleansMmo.Grains.Gateways.PushBatch batch)
        {
            Interlocked.Increment(ref _attempts);
            throw new IOException("gateway gone");
        }

        public Task SetAddressBans(OrleansMmo.Grains.Operations.AddressBanList bans) => throw new IOException("gateway gone");

        public Task<OrleansMmo.Grains.Gateways.InWorldConnection[]> ListInWorld(string worldId) => throw new IOException("gateway gone");

        public Task<int> SetDraining(bool draining) => throw new IOException("gateway gone");

        public Task ShutdownScheduled(DateTimeOffset? at) => throw new IOException("gateway gone");

        public Task ShutdownNow() => throw new IOException("gateway gone");

        public Task Stop() => throw new IOException("gateway gone");
    }
}
