using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.World.Zones;
using OrleansMmo.Protocol;

namespace OrleansMmo.Grains.World;

/// <summary>
/// One zone: requests, the tick timer, and calls into its parts. <see cref="ZoneView"/> works out
/// who sees whom, <see cref="ZoneSimulation"/> runs the creatures and judges attacks,
/// <see cref="WorldUpdateEncoder"/> writes the updates from pieces encoded once per tick, and
/// <see cref="GatewayFanout"/> sends them in one call per gateway per tick.
/// </summary>
/// <remarks>
/// Moves only record positions; the tick (10 Hz by default) moves the creatures that have
/// something to do and tells every player what entered, changed in or left its view. Nothing here
/// is stored: after a failover the zone starts empty, creatures spawn afresh and players enter
/// again (a player grain whose zone forgot it re-enters on its next move). The tick runs while
/// players are in the zone; without them the creatures wait, costing nothing.
/// </remarks>
[GrainType("zone")]
public sealed partial class ZoneGrain(
    GameDataCatalog gameData,
    IOptions<WorldOptions> options,
    WorldMetrics metrics,
    TimeProvider time,
    ILogger<ZoneGrain> logger) : Grain, IZoneGrain, IDeliveryListener
{
    private readonly WorldOptions _options = options.Value;
    private readonly Dictionary<Guid, ZonePlayer> _players = [];
    private readonly ViewChanges _changes = new();
    private readonly List<ViewEntity> _near = [];

    private ZoneDefinition _zone = null!;
    private string _key = "";
    private long _dataVersion;
    private float _maxSpeed;
    private ZoneView _view = null!;
    private WorldUpdateEncoder _encoder = null!;
    private GatewayFanout _fanout = null!;
    // Chat has its own fan-out, ordered: players read a zone's lines in the order they were said. A line that does not
    // arrive is lost (chat is droppable), so nobody is told of it.
    private GatewayFanout _chatFanout = null!;
    private ZoneSimulation _simulation = null!;
    private IReadOnlyList<SpawnPoint> _spawns = [];
    private long _started;
    private uint _lastEntityId;
    private long _tick;
    private IGrainTimer? _timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Each world has its own instance of every zone: the key is "world/zone".
        _key = this.GetPrimaryKeyString();
        var (_, zoneId) = ZoneKeys.Parse(_key, gameData.DefaultWorld);
        _dataVersion = gameData.Version;
        _maxSpeed = gameData.Movement.MaxSpeed;
        _zone = gameData.Zones.TryGetValue(zoneId, out var zone)
            ? zone
            : throw new InvalidOperationException($"Zone '{zoneId}' is not in the game data.");
        _view = new ZoneView(_options.ViewRadius, _options.CellSize, _options.MaxVisibleEntities, _options.CreatureViewPlaces, _options.CrowdCellSize);
        _encoder = new WorldUpdateEncoder(zoneId);
        _fanout = new GatewayFanout(_options, metrics, logger, this);
        _chatFanout = new GatewayFanout(_options, metrics, logger, listener: null, ordered: true);
        _started = time.GetTimestamp();
        // Ticks count on from the clock (tick intervals since 1970, plus World:ClockSkewAllowance), not from 1 per
        // activation: a zone that moves to another silo goes on above its last tick, so a gateway can tell a late
        // delivery of an older tick from a new one.
        _tick = (time.GetUtcNow() + _options.ClockSkewAllowance - DateTimeOffset.UnixEpoch).Ticks / _options.TickInterval.Ticks;
        _simulation = new ZoneSimulation(_zone, gameData.Progression, _view, () => ++_lastEntityId, new Random());
        _spawns = SpawnsOf(zoneId);
        _simulation.Spawn(_spawns);
        metrics.SetCreatures(_key, _simulation.Creatures);
        return Task.CompletedTask;
    }

    /// <summary>Zone time: monotonic, from the activation.</summary>
    private TimeSpan Now => time.GetElapsedTime(_started);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.SetPlayers(_key, 0);
        metrics.SetCreatures(_key, 0);
        return Task.CompletedTask;
    }

    public Task<uint> Enter(ZoneMember member)
    {
        FollowGameData();
        var position = Clamp(member.Position);
        if (_players.TryGetValue(member.CharacterId, out var present))
        {
            // The same character from a new connection (a resume): same entity, but its new
            // connection knows nothing yet, so it is sent its whole view again.
            present.Session = member.Session;
            _view.Move(present, position);
            _view.Forget(present);
            return Task.FromResult(present.Id);
        }

        var player = new ZonePlayer(++_lastEntityId, member.CharacterId, member.Name, member.Level, position, member.Session, gameData.Progression, member.Health);
        _players.Add(member.CharacterId, player);
        _view.Add(player);
        // Its own first update tells it its health and level.
        _view.MarkChanged(player, EntityChanges.Status);
        metrics.SetPlayers(_key, _players.Count);
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(_options.TickInterval, _options.TickInterval) { KeepAlive = true });
        LogEntered(logger, member.CharacterId, _zone.Id, player.Id);
        return Task.FromResult(player.Id);
    }

    public Task<ZoneExit> Leave(Guid characterId) => Task.FromResult(RemovePlayer(characterId));

    public Task<ZoneMoveResult> Move(Guid characterId, Position position)
    {
        FollowGameData();
        if (!_players.TryGetValue(characterId, out var player))
        {
            return Task.FromResult(ZoneMoveResult.NotHere);
        }

        if (player.IsDead)
        {
            return Task.FromResult(ZoneMoveResult.Dead);
        }

        _view.Move(player, Clamp(position));
        return Task.FromResult(ZoneMoveResult.Moved);
    }

    public Task<ZoneAttackResult> Attack(Guid characterId, uint targetEntityId)
    {
        if (!_players.TryGetValue(characterId, out var attacker))
        {
            return Task.FromResult(new ZoneAttackResult(false, AttackRefusal.None, default, 0, 0, false, null));
        }

        var outcome = _simulation.Attack(attacker, targetEntityId, Now);
        return Task.FromResult(new ZoneAttackResult(true, outcome.Refusal, outcome.RetryAfter, outcome.Damage, outcome.TargetHealthPercent,
            outcome.Killed, outcome.KilledCreature?.Id));
    }

    public Task<ZoneRespawnResult> Respawn(Guid characterId)
    {
        if (!_players.TryGetValue(characterId, out var player))
        {
            return Task.FromResult(new ZoneRespawnResult(false, false, default, 0));
        }

        var respawned = _simulation.Respawn(player);
        return Task.FromResult(new ZoneRespawnResult(true, respawned, player.Position, player.Health));
    }

    public Task<ZoneHealResult> Heal(Guid characterId, int amount)
    {
        if (!_players.TryGetValue(characterId, out var player))
        {
            return Task.FromResult(new ZoneHealResult(false, false, 0, 0));
        }

        var healed = _simulation.Heal(player, amount);
        return Task.FromResult(new ZoneHealResult(true, player.IsDead, healed, player.Health));
    }

    public Task SetLevel(Guid characterId, int level)
    {
        if (_players.TryGetValue(characterId, out var player))
        {
            _simulation.SetLevel(player, level);
        }

        return Task.CompletedTask;
    }

    public Task<int> Probe() => Task.FromResult(_players.Count);

    /// <summary>The live map's view: every player and creature (dead ones while their corpses lie).</summary>
    public Task<ZoneSnapshot> Snapshot() => Task.FromResult(new ZoneSnapshot(_zone.Id, _tick,
        [.. _view.Entities.Select(e => e switch
        {
            ZonePlayer p => new MapEntity(p.Id, "player", p.Name, p.CharacterId, p.Position.X, p.Position.Y, p.IsDead),
            Creature c => new MapEntity(c.Id, "creature", c.Template.Name, Guid.Empty, c.Position.X, c.Position.Y, c.IsDead),
            _ => new MapEntity(e.Id, "other", "", Guid.Empty, e.Position.X, e.Position.Y, false),
        })]));

    public Task<bool> Chat(ChatLine line)
    {
        if (!_players.TryGetValue(line.FromCharacterId, out var speaker))
        {
            return Task.FromResult(false);
        }

        var payload = ChatPayload.Encode(line);
        if (line.Channel == ChatChannel.Say)
        {
            _near.Clear();
            _view.QueryPlayers(speaker.Position, _options.ViewRadius, _near);
            foreach (var entity in _near)
            {
                var listener = (ZonePlayer)entity;
                _chatFanout.To(listener.Session).WriteFrame(listener.Session, listener.CharacterId, (ushort)Opcode.ChatMessage, payload);
            }
        }
        else
        {
            foreach (var listener in _players.Values)
            {
                _chatFanout.To(listener.Session).WriteFrame(listener.Session, listener.CharacterId, (ushort)Opcode.ChatMessage, payload);
            }
        }

        // Tick 0: chat goes out at once (or right after the gateway answers the line before), outside the tick's
        // one-call-per-gateway budget. Not awaited: the fan-out tracks the calls and handles their failures itself.
        _ = _chatFanout.SendAsync("chat", 0);
        return Task.FromResult(true);
    }

    private Task TickAsync(CancellationToken cancellationToken)
    {
        FollowGameData();
        var started = Stopwatch.GetTimestamp();
        var cpuStarted = ThreadCpuClock.Now();
        _tick++;
        // Creatures first (with who saw them last tick), so what they do now is in this tick's updates.
        _simulation.Step(Now);
        var simulated = Stopwatch.GetTimestamp();
        _view.BeginTick();
        _encoder.BeginTick(_tick);

        long updates = 0;
        foreach (var entity in _view.Observers)
        {
            var recipient = (ZonePlayer)entity;
            _view.Compute(recipient, _changes);
            if (_changes.IsEmpty)
            {
                continue;
            }

            var writer = _fanout.To(recipient.Session);
            writer.BeginFrame(recipient.Session, recipient.CharacterId, (ushort)Opcode.WorldUpdate);
            _encoder.WriteUpdate(writer, recipient, _changes);
            writer.EndFrame();
            updates += _changes.Count;
        }

        _view.EndTick();
        // Tracked by the fan-out (timeouts, failures, dropping a dead gateway); nothing to await here.
        _ = _fanout.SendAsync(_key, _tick);
        metrics.EntityUpdates.Add(updates);
        metrics.TickDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (ThreadCpuClock.MillisecondsBetween(cpuStarted, ThreadCpuClock.Now()) is { } cpu)
        {
            metrics.TickCpuTime.Record(cpu);
        }
        metrics.CreatureStepDuration.Record(Stopwatch.GetElapsedTime(started, simulated).TotalMilliseconds);
        metrics.CreaturesSimulated.Add(_simulation.LastStepWork);
        metrics.SetCreatures(_key, _simulation.Creatures);

        if (_players.Count == 0)
        {
            // Nobody left to tell anything: let the zone be collected when idle.
            _timer?.Dispose();
            _timer = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>Updates to these players were lost: their next update carries their whole view.</summary>
    void IDeliveryListener.OnUndelivered(string gatewayId, IReadOnlyList<Guid> characters)
    {
        foreach (var characterId in characters)
        {
            // Only if it still plays from that gateway: after a resume its new connection already starts afresh.
            if (_players.TryGetValue(characterId, out var player) && player.Session.GatewayId == gatewayId)
            {
                _view.Forget(player);
                // The lost update may have carried its own health or level: the whole view says them again.
                _view.MarkChanged(player, EntityChanges.Status);
            }
        }
    }

    /// <summary>The gateway stopped answering: its players are gone from here (they enter again when they resume elsewhere).</summary>
    void IDeliveryListener.OnGatewayLost(string gatewayId)
    {
        var dropped = _players.Values.Where(p => p.Session.GatewayId == gatewayId).Select(p => p.CharacterId).ToList();
        foreach (var characterId in dropped)
        {
            RemovePlayer(characterId);
        }

        LogGatewayDropped(logger, gatewayId, _zone.Id, dropped.Count);
    }

    private ZoneExit RemovePlayer(Guid characterId)
    {
        if (!_players.Remove(characterId, out var player))
        {
            return new ZoneExit(false, 0, false);
        }

        // Those who saw it hear "left" on the next tick; creatures chasing it give up.
        _view.Remove(player);
        metrics.SetPlayers(_key, _players.Count);
        LogLeft(logger, characterId, _zone.Id);
        return new ZoneExit(true, player.Health, player.IsDead);
    }

    private Position Clamp(Position p) => new(Math.Clamp(p.X, 0, _zone.Width), Math.Clamp(p.Y, 0, _zone.Height));

    /// <summary>
    /// After a live reload of the game data: takes on this zone's new definition and, if the map or the
    /// speed changed (or the zone is gone), has every player here refresh its client's map (a Teleported
    /// push with the new zone, inside its new bounds; a removed zone's players go to the start zone), so no
    /// client is left walking to a portal that moved. Told, not awaited: the players call back into this zone.
    /// </summary>
    private void FollowGameData()
    {
        var version = gameData.Version;
        if (version == _dataVersion)
        {
            return;
        }

        _dataVersion = version;
        var removed = !gameData.Zones.TryGetValue(_zone.Id, out var fresh);
        var changed = removed || !SameMap(_zone, fresh!) || gameData.Movement.MaxSpeed != _maxSpeed;
        if (!removed)
        {
            _zone = fresh!;
            _simulation.UseDefinition(fresh!);
        }

        _maxSpeed = gameData.Movement.MaxSpeed;
        // New or moved spawn points, or a changed creature template (records compare by value): the zone's
        // creatures are replaced. Unchanged ones keep their fights and positions.
        var spawns = SpawnsOf(_zone.Id);
        var respawned = !removed && !_spawns.SequenceEqual(spawns);
        if (respawned)
        {
            _spawns = spawns;
            _simulation.ReplaceCreatures(spawns);
            metrics.SetCreatures(_key, _simulation.Creatures);
        }

        LogDataChanged(logger, _key, version, changed, removed, respawned);
        if (changed)
        {
            foreach (var member in _players.Values)
            {
                _ = RefreshPlayerAsync(member.CharacterId, version);
            }
        }
    }

    private async Task RefreshPlayerAsync(Guid characterId, long version)
    {
        try
        {
            await GrainFactory.GetGrain<IPlayerGrain>(characterId).RefreshZone(version);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The player refreshes on its next move anyway: its grain validates against the new data.
            LogRefreshFailed(logger, ex, characterId, _key);
        }
    }

    private IReadOnlyList<SpawnPoint> SpawnsOf(string zoneId) => gameData.Spawns.GetValueOrDefault(zoneId) ?? [];

    private static bool SameMap(ZoneDefinition a, ZoneDefinition b) =>
        a.Name == b.Name && a.Width == b.Width && a.Height == b.Height && a.Spawn == b.Spawn && a.Portals.SequenceEqual(b.Portals);

    [LoggerMessage(EventId = LogEvents.ZoneRefreshFailed, Level = LogLevel.Warning, Message = "Character {CharacterId} of zone {ZoneKey} was not told the reloaded map; its next move checks against it anyway")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, Guid characterId, string zoneKey);

    [LoggerMessage(EventId = LogEvents.ZoneDataChanged, Level = LogLevel.Information, Message = "Zone {ZoneKey} follows game data version {Version}: map changed {Changed}, removed {Removed}, creatures replaced {Respawned}")]
    private static partial void LogDataChanged(ILogger logger, string zoneKey, long version, bool changed, bool removed, bool respawned);

    [LoggerMessage(EventId = LogEvents.ZoneEntered, Level = LogLevel.Debug, Message = "Character {CharacterId} entered zone {ZoneId} as entity {EntityId}")]
    private static partial void LogEntered(ILogger logger, Guid characterId, string zoneId, uint entityId);

    [LoggerMessage(EventId = LogEvents.ZoneLeft, Level = LogLevel.Debug, Message = "Character {CharacterId} left zone {ZoneId}")]
    private static partial void LogLeft(ILogger logger, Guid characterId, string zoneId);

    [LoggerMessage(EventId = LogEvents.ZoneGatewayDropped, Level = LogLevel.Warning, Message = "Zone {ZoneId} dropped gateway {GatewayId} and its {Players} players: it stopped answering")]
    private static partial void LogGatewayDropped(ILogger logger, string gatewayId, string zoneId, int players);
}
