using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Limits;
using OrleansMmo.Protocol;

namespace OrleansMmo.Grains.World;

/// <summary>
/// One character, authoritative for it. Validates every move (speed, bounds) before its zone
/// hears of it, takes it through portals, and speaks for it in chat.
/// </summary>
[GrainType("player")]
public sealed partial class PlayerGrain(
    [WriteBehindState("player", StorageNames.Game)] IWriteBehindState<PlayerState> state,
    GameDataCatalog gameData,
    IOptions<WorldOptions> options,
    WorldMetrics metrics,
    TimeProvider time,
    GrainRefs refs,
    ILogger<PlayerGrain> logger) : Grain, IPlayerGrain
{
    private readonly WorldOptions _options = options.Value;
    private PlayerSession? _session;
    private uint _entityId;

    /// <summary>Health it had when it last left a zone, carried to the next (0: full). Not stored: a new activation starts healthy.</summary>
    private int _health;
    private TokenBucket _chat;
    private MoveBudget _moves;
    private long _lastTransferAt;
    private IGrainTimer? _keepAlive;
    private bool _gatewayMissed;

    private PlayerState State => state.State;

    private Guid CharacterId => this.GetPrimaryKey();

    private ZoneDefinition Zone => gameData.Zone(State.ZoneId);

    /// <summary>The world the character belongs to.</summary>
    private string WorldId => gameData.WorldOf(State.WorldId);

    private (string WorldId, string ZoneId, IZoneGrain Grain)? _zone;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _chat = new TokenBucket(_options.ChatPerSecond, _options.ChatBurst);
        if (State.Escrow.Count > 0)
        {
            // An exchange was under way when the last activation ended (a crash): settle or release by its decision.
            await ResolveEscrowAsync();
        }
    }

    // Dirty state is written by the write-behind facet after this, also on silo shutdown.
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_session is not null)
        {
            await LeaveZoneQuietlyAsync();
        }
    }

    public async Task<Result<PlayerAttachment>> Attach(PlayerSession session, CharacterSummary character)
    {
        if (string.IsNullOrEmpty(State.ZoneId) || !gameData.Zones.ContainsKey(State.ZoneId))
        {
            await CreateOrRelocateAsync(character);
        }

        if (session.AccountKey.Length > 0 && State.AccountKey != session.AccountKey)
        {
            State.AccountKey = session.AccountKey;
            state.MarkDirty();
        }

        if (_session is not null && _session.SessionId != session.SessionId)
        {
            // A second login takes the character over: the first connection's unfinished trade ends.
            await AbandonTradeQuietlyAsync(TradeEndReason.Replaced);
        }

        _session = session;
        try
        {
            _entityId = await EnterZoneAsync();
        }
        catch (Exception ex)
        {
            _session = null;
            LogZoneUnavailable(logger, CharacterId, State.ZoneId, ex);
            return GameError.WorldUnavailable;
        }

        _moves = MoveBudget.Full(gameData.Movement, time.GetTimestamp());
        // A player standing still makes no calls; without this Orleans would collect it after its idle
        // age and it would silently leave its zone while its client plays on. Kept alive while attached.
        _gatewayMissed = false;
        _keepAlive ??= this.RegisterGrainTimer(KeepAliveAsync, new GrainTimerCreationOptions(_options.AttachedKeepAliveInterval, _options.AttachedKeepAliveInterval) { KeepAlive = true });
        LogAttached(logger, CharacterId, State.ZoneId, session.GatewayId, session.ConnectionId);
        return Result.Ok(new PlayerAttachment(Snapshot(), Arrival()));
    }

    public async Task Detach(Guid sessionId)
    {
        if (_session is null || _session.SessionId != sessionId)
        {
            return;
        }

        await AbandonTradeQuietlyAsync(TradeEndReason.LoggedOut);
        await LeaveZoneQuietlyAsync();
        _session = null;
        await LeaveWorldQuietlyAsync();
        StopKeepAlive();
        LogDetached(logger, CharacterId);
        // Logout and disconnect write what moved since the last write.
        await FlushQuietlyAsync();
    }

    public async Task<Result<MoveOutcome>> Move(Guid sessionId, Position position)
    {
        if (Check(sessionId) is var error and not GameError.None)
        {
            return error;
        }

        var rejection = Validate(position);
        if (rejection != MoveRejection.None)
        {
            metrics.Corrections.Add(1, new KeyValuePair<string, object?>("reason", rejection.ToString()));
            LogCorrected(logger, CharacterId, rejection, position.X, position.Y, State.Position.X, State.Position.Y);
            return Result.Ok(new MoveOutcome(false, State.Position, rejection, null));
        }

        ZoneArrival? arrival = null;
        try
        {
            // The zone first: it knows whether the character lies dead.
            var moved = await ZoneGrain(State.ZoneId).Move(CharacterId, position);
            if (moved == ZoneMoveResult.Dead)
            {
                metrics.Corrections.Add(1, new KeyValuePair<string, object?>("reason", nameof(MoveRejection.Dead)));
                return Result.Ok(new MoveOutcome(false, State.Position, MoveRejection.Dead, null));
            }

            State.Position = position;
            // Movement is of little value: written within the write-behind interval, many moves per write.
            state.MarkDirty();
            metrics.Moves.Add(1);
            if (moved == ZoneMoveResult.NotHere)
            {
                // The zone restarted (a silo failed) and forgot us: enter again; the client gets a new entity id.
                _entityId = await EnterZoneAsync();
                arrival = Arrival();
            }

            // A portal takes the character only once its cooldown since the last zone change has passed:
            // each change is a write through to storage, and ping-pong between two portals must not be
            // a way to drive writes faster than storage takes them. Until then the portal is just ground.
            if (Zone.PortalAt(position) is { } portal && PortalReady())
            {
                arrival = await TransferAsync(portal);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogZoneUnavailable(logger, CharacterId, State.ZoneId, ex);
            return GameError.WorldUnavailable;
        }

        return Result.Ok(new MoveOutcome(true, State.Position, MoveRejection.None, arrival));
    }

    public Task<Result<PlayerSnapshot>> GetInfo(Guid sessionId) =>
        Task.FromResult(Check(sessionId) is var error and not GameError.None
            ? (Result<PlayerSnapshot>)error
            : Result.Ok(Snapshot()));

    public async Task<Result> Chat(Guid sessionId, ChatChannel channel, string text, string toName)
    {
        if (Check(sessionId) is var error and not GameError.None)
        {
            return error;
        }

        if (channel is not (ChatChannel.Say or ChatChannel.Zone or ChatChannel.World or ChatChannel.Whisper))
        {
            return GameError.ChatChannelInvalid;
        }

        if (!ChatText.IsAcceptable(text, _options.MaxChatLength))
        {
            return GameError.ChatMessageInvalid;
        }

        if (State.MutedUntil is { } mutedUntil && mutedUntil > time.GetUtcNow())
        {
            return new GameFailure(GameError.ChatMuted, Until: mutedUntil);
        }

        // Before any budget: a line the channel refuses spends neither the player's nor the cluster's.
        if (channel == ChatChannel.World && WorldChatGate.Refusal(State.Level, State.CreatedAt, time.GetUtcNow(), _options) is { } locked)
        {
            return locked;
        }

        if (!_chat.TryTake(out var retryAfter))
        {
            return new GameFailure(GameError.ChatRateLimited, retryAfter);
        }

        var line = new ChatLine(channel, CharacterId, State.Name, text, time.GetUtcNow(), channel == ChatChannel.Whisper ? toName : "");
        var outcome = channel switch
        {
            ChatChannel.Whisper => await WhisperAsync(line),
            ChatChannel.World => await BroadcastAsync(line),
            _ => await ZoneChatAsync(line),
        };
        if (outcome.Succeeded)
        {
            metrics.ChatMessages.Add(1, new KeyValuePair<string, object?>("channel", channel.ToString()));
        }

        return outcome;
    }

    public async Task<Result<AttackOutcome>> Attack(Guid sessionId, uint targetEntityId)
    {
        if (Check(sessionId) is var error and not GameError.None)
        {
            return error;
        }

        ZoneAttackResult judged;
        try
        {
            judged = await ZoneGrain(State.ZoneId).Attack(CharacterId, targetEntityId);
            if (!judged.Here)
            {
                // The zone restarted and forgot us: enter again. Entity ids started over, so the target is not the one meant.
                _entityId = await EnterZoneAsync();
                judged = judged with { Refusal = AttackRefusal.TargetNotFound };
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogZoneUnavailable(logger, CharacterId, State.ZoneId, ex);
            return GameError.WorldUnavailable;
        }

        if (judged.Refusal != AttackRefusal.None)
        {
            // A claim the server could not confirm: no damage, and counted like a corrected move.
            metrics.Corrections.Add(1, new KeyValuePair<string, object?>("reason", "Attack" + judged.Refusal));
            LogAttackRefused(logger, CharacterId, targetEntityId, judged.Refusal);
            return Result.Ok(AttackOutcome.Refused(judged.Refusal, judged.RetryAfter, State.Level, State.Experience));
        }

        metrics.Attacks.Add(1);
        long gained = 0;
        var leveledUp = false;
        LootDrop? loot = null;
        if (judged.Killed && judged.KilledCreature is { } creatureId && gameData.Creatures.TryGetValue(creatureId, out var creature))
        {
            metrics.Kills.Add(1);
            gained = creature.Experience;
            State.Experience += gained;
            var level = gameData.Progression.LevelFor(State.Experience);
            leveledUp = level > State.Level;
            State.Level = Math.Max(State.Level, level);
            if (Loot.Roll(creature, gameData, Random.Shared) is { } rolled)
            {
                // Within the inventory's bound, like every other way goods come in: what does not fit is not created.
                var (inventory, gold) = (State.Inventory, State.Gold);
                loot = Goods.AddLoot(ref inventory, ref gold, rolled, gameData);
                (State.Inventory, State.Gold) = (inventory, gold);
            }

            state.MarkDirty();
            if (leveledUp || loot is not null)
            {
                // A level and goods are worth a write before the client hears of them; experience alone is written behind.
                await state.WriteThroughAsync();
            }

            if (leveledUp)
            {
                metrics.LevelUps.Add(1);
                LogLeveledUp(logger, CharacterId, State.Level);
                await TellZoneLevelAsync();
            }
        }

        return Result.Ok(new AttackOutcome(AttackRefusal.None, default, judged.Damage, judged.TargetHealthPercent, judged.Killed,
            gained, State.Level, State.Experience, leveledUp, loot));
    }

    public async Task<Result<RespawnOutcome>> Respawn(Guid sessionId)
    {
        if (Check(sessionId) is var error and not GameError.None)
        {
            return error;
        }

        try
        {
            var result = await ZoneGrain(State.ZoneId).Respawn(CharacterId);
            if (!result.Here)
            {
                // The zone forgot us (failover): we enter again alive, where we stood.
                _entityId = await EnterZoneAsync();
                return Result.Ok(new RespawnOutcome(false, State.Position, 0));
            }

            if (result.Respawned)
            {
                State.Position = result.Position;
                _moves = MoveBudget.Full(gameData.Movement, time.GetTimestamp());
                state.MarkDirty();
            }

            return Result.Ok(new RespawnOutcome(result.Respawned, result.Position, result.Health));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogZoneUnavailable(logger, CharacterId, State.ZoneId, ex);
            return GameError.WorldUnavailable;
        }
    }

    public async Task<Result> ReceiveWhisper(ChatLine line)
    {
        if (_session is not { } session)
        {
            return GameError.PlayerOffline;
        }

        // A fan-out of its own per whisper: the same delivery policy as everywhere, and nothing kept
        // in the grain between whispers.
        var fanout = new GatewayFanout(_options, metrics, logger);
        fanout.To(session).WriteFrame(session, CharacterId, (ushort)Opcode.ChatMessage, ChatPayload.Encode(line with { ToName = State.Name }));
        // Not delivered: its gateway is gone, and the player is as good as offline until it resumes.
        return await fanout.SendAsync("whisper", 0) == 0 ? Result.Success : GameError.PlayerOffline;
    }

    public async Task Delete()
    {
        if (_session is not null)
        {
            await LeaveZoneQuietlyAsync();
            _session = null;
            await LeaveWorldQuietlyAsync();
        }

        StopKeepAlive();
        state.State = new PlayerState();
        await state.WriteThroughAsync();
        DeactivateOnIdle();
    }

    /// <summary>
    /// Keeps the attached player active (the tick counts as activity). A session whose gateway died never
    /// detaches, so a gateway missing from the registry at two ticks in a row (one miss may be a late
    /// heartbeat) ends the attachment, and normal collection resumes.
    /// </summary>
    private async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        if (_session is not { } session)
        {
            StopKeepAlive();
            return;
        }

        try
        {
            var live = await GrainFactory.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive();
            if (live.Any(g => g.GatewayId == session.GatewayId))
            {
                _gatewayMissed = false;
            }
            else if (_gatewayMissed)
            {
                LogGatewayGone(logger, CharacterId, session.GatewayId);
                await Detach(session.SessionId);
            }
            else
            {
                _gatewayMissed = true;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The registry is unreachable: no verdict, keep the player.
            LogZoneUnavailable(logger, CharacterId, "gateway registry", ex);
        }
    }

    private void StopKeepAlive()
    {
        _keepAlive?.Dispose();
        _keepAlive = null;
    }

    private bool PortalReady() =>
        _lastTransferAt == 0 || time.GetElapsedTime(_lastTransferAt) >= _options.PortalCooldown;

    private GameError Check(Guid sessionId) =>
        _session is null ? GameError.NotAttached
        : _session.SessionId != sessionId ? GameError.SessionReplaced
        : GameError.None;

    private MoveRejection Validate(Position position)
    {
        if (!position.IsFinite)
        {
            return MoveRejection.InvalidPosition;
        }

        if (!Zone.Contains(position))
        {
            return MoveRejection.OutOfBounds;
        }

        var distance = MathF.Sqrt(position.DistanceSquaredTo(State.Position));
        return _moves.TrySpend(distance, _options.MoveSlackMetres, gameData.Movement, time.GetTimestamp(), time)
            ? MoveRejection.None
            : MoveRejection.TooFast;
    }

    /// <summary>Out of the old zone, then into the new one; if that fails, back into the old one, so the character is never in neither.</summary>
    private async Task<ZoneArrival> TransferAsync(PortalDefinition portal)
    {
        var from = State.ZoneId;
        var fromPosition = State.Position;
        await AbandonTradeQuietlyAsync(TradeEndReason.ZoneChanged);
        await LeaveZoneAsync();
        State.ZoneId = portal.TargetZone;
        State.Position = portal.TargetPosition;
        try
        {
            _entityId = await EnterZoneAsync();
        }
        catch
        {
            State.ZoneId = from;
            State.Position = fromPosition;
            _entityId = await EnterZoneAsync();
            throw;
        }

        _moves = MoveBudget.Full(gameData.Movement, time.GetTimestamp());
        _lastTransferAt = time.GetTimestamp();
        metrics.ZoneTransfers.Add(1);
        LogTransferred(logger, CharacterId, from, portal.TargetZone, portal.Id);
        // A zone change is worth a write: a crash must not put the character back on the far side of a portal.
        state.MarkDirty();
        await FlushQuietlyAsync();
        return Arrival();
    }

    private async Task<Result> ZoneChatAsync(ChatLine line)
    {
        if (await ZoneGrain(State.ZoneId).Chat(line))
        {
            return Result.Success;
        }

        _entityId = await EnterZoneAsync();
        return await ZoneGrain(State.ZoneId).Chat(line) ? Result.Success : GameError.WorldUnavailable;
    }

    private async Task<Result> BroadcastAsync(ChatLine line)
    {
        // Judged after the player's own budget, so one player's flood does not drain the channel's.
        if (await GrainFactory.GetGrain<IWorldChatBudgetGrain>(0).TryTake() is var wait && wait > TimeSpan.Zero)
        {
            return new GameFailure(GameError.ChatRateLimited, wait);
        }

        await GrainFactory.GetGrain<IWorldChatGrain>(0).Broadcast(line);
        return Result.Success;
    }

    private async Task<Result> WhisperAsync(ChatLine line)
    {
        if (string.IsNullOrWhiteSpace(line.ToName) || line.ToName.Length > AccountKeys.MaxUsernameLength)
        {
            return GameError.PlayerNotFound;
        }

        // Names are unique per world: whispers reach characters of the speaker's own world.
        // By skeleton: "Adrnin" reaches Admin; a look-alike pair from before skeletons is told apart by the exact name.
        var target = (await GrainFactory.GetGrain<ICharacterNameGrain>(CharacterNames.Key(WorldId, line.ToName, gameData.DefaultWorld))
            .Find(AccountKeys.NormalizeCharacterName(line.ToName)))?.CharacterId ?? Guid.Empty;
        if (target == Guid.Empty)
        {
            return GameError.PlayerNotFound;
        }

        return target == CharacterId
            ? await ReceiveWhisper(line)
            : await GrainFactory.GetGrain<IPlayerGrain>(target).ReceiveWhisper(line);
    }

    private async Task CreateOrRelocateAsync(CharacterSummary character)
    {
        var start = gameData.Zone(gameData.StartZone);
        if (string.IsNullOrEmpty(State.ZoneId))
        {
            // Characters from before worlds have no world id: they are in the default world.
            State.WorldId = character.WorldId;
            State.Name = character.Name;
            State.Level = Math.Max(1, character.Level);
            State.CreatedAt = time.GetUtcNow();
            State.Gold = gameData.StartingGold;
            State.Inventory = [.. gameData.StartingItems];
            LogCreated(logger, CharacterId, character.Name);
        }
        else
        {
            // The zone it was in is gone from the game data.
            LogRelocated(logger, CharacterId, State.ZoneId, start.Id);
        }

        State.ZoneId = start.Id;
        State.Position = start.Spawn;
        // Written through: the starting gold and items are the character's from now on.
        await state.WriteThroughAsync();
    }

    private Task<uint> EnterZoneAsync() =>
        ZoneGrain(State.ZoneId).Enter(new ZoneMember(CharacterId, State.Name, State.Level, State.Position, 
            _session ?? throw new InvalidOperationException("A character enters a zone only while attached."), _health));

    /// <summary>Out of the current zone, remembering the health it leaves with; one that died there rises at the graveyard.</summary>
    private async Task LeaveZoneAsync()
    {
        var exit = await ZoneGrain(State.ZoneId).Leave(CharacterId);
        _health = exit.WasHere && !exit.Dead ? exit.Health : 0;
        if (exit.Dead)
        {
            State.Position = Zone.RespawnPoint;
            state.MarkDirty();
        }
    }

    /// <summary>The zone learns a new level; if it is unreachable the character enters with it later anyway.</summary>
    private async Task TellZoneLevelAsync()
    {
        try
        {
            await ZoneGrain(State.ZoneId).SetLevel(CharacterId, State.Level);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogZoneUnavailable(logger, CharacterId, State.ZoneId, ex);
        }
    }

    private async Task LeaveZoneQuietlyAsync()
    {
        try
        {
            await LeaveZoneAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The zone is unreachable; if it comes back it has forgotten everyone anyway.
            LogZoneUnavailable(logger, CharacterId, State.ZoneId, ex);
        }
    }

    /// <summary>Frees the character's place in its world (for the queue); if the world cannot hear it now, its next count at the gateways does.</summary>
    private async Task LeaveWorldQuietlyAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IWorldGrain>(WorldId).Leave(CharacterId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWorldUnavailable(logger, CharacterId, WorldId, ex);
        }
    }

    /// <summary>Writes now if dirty; on failure the facet keeps the state dirty and retries, so play goes on.</summary>
    private async Task FlushQuietlyAsync()
    {
        try
        {
            await state.FlushAsync();
        }
        catch (StateNotWrittenException ex)
        {
            LogWriteFailed(logger, CharacterId, ex);
        }
    }

    /// <summary>
    /// The zone's grain, the reference kept while the character stays in that zone: every Move goes through here
    /// (20,000 a second in the fan-out benchmark's spread case), and making a reference builds a key string and a
    /// proxy each time (6% of the silo's CPU at that load, in the profile of docs/benchmarks "c. Spread again").
    /// </summary>
    private IZoneGrain ZoneGrain(string zoneId)
    {
        var worldId = WorldId;
        if (_zone is not { } zone || !string.Equals(zone.WorldId, worldId, StringComparison.Ordinal) || !string.Equals(zone.ZoneId, zoneId, StringComparison.Ordinal))
        {
            zone = (worldId, zoneId, refs.Get<IZoneGrain>(ZoneKeys.Of(worldId, zoneId)));
            _zone = zone;
        }

        return zone.Grain;
    }

    private PlayerSnapshot Snapshot() => new(
        CharacterId, State.Name, State.Level, State.Experience, State.Gold, [.. State.Inventory], State.ZoneId, State.Position);

    private ZoneArrival Arrival()
    {
        var zone = Zone;
        var portals = zone.Portals.Select(p => new PortalDescription(p.Id, p.Min, p.Max, p.TargetZone)).ToList();
        var description = new ZoneDescription(zone.Id, zone.Name, zone.Width, zone.Height, portals,
            gameData.Movement.MaxSpeed, _options.ViewRadius, _options.TickInterval,
            zone.Pvp, gameData.Progression.AttackRange, gameData.Progression.AttackCooldown);
        return new ZoneArrival(description, _entityId, State.Position);
    }

    [LoggerMessage(EventId = LogEvents.PlayerCreated, Level = LogLevel.Information, Message = "Character {CharacterId} ({Name}) starts its life in the world")]
    private static partial void LogCreated(ILogger logger, Guid characterId, string name);

    [LoggerMessage(EventId = LogEvents.PlayerRelocated, Level = LogLevel.Warning, Message = "Character {CharacterId} was in zone {OldZone}, which the game data no longer has; moved to {NewZone}")]
    private static partial void LogRelocated(ILogger logger, Guid characterId, string oldZone, string newZone);

    [LoggerMessage(EventId = LogEvents.PlayerAttached, Level = LogLevel.Debug, Message = "Character {CharacterId} entered the world in {ZoneId} from gateway {GatewayId} connection {ConnectionId}")]
    private static partial void LogAttached(ILogger logger, Guid characterId, string zoneId, string gatewayId, long connectionId);

    [LoggerMessage(EventId = LogEvents.PlayerDetached, Level = LogLevel.Debug, Message = "Character {CharacterId} left the world")]
    private static partial void LogDetached(ILogger logger, Guid characterId);

    [LoggerMessage(EventId = LogEvents.PlayerMoveCorrected, Level = LogLevel.Debug, Message = "Move of {CharacterId} corrected ({Rejection}): asked ({X}, {Y}), stays at ({AtX}, {AtY})")]
    private static partial void LogCorrected(ILogger logger, Guid characterId, MoveRejection rejection, float x, float y, float atX, float atY);

    [LoggerMessage(EventId = LogEvents.PlayerTransferred, Level = LogLevel.Information, Message = "Character {CharacterId} went from {FromZone} to {ToZone} through portal {PortalId}")]
    private static partial void LogTransferred(ILogger logger, Guid characterId, string fromZone, string toZone, string portalId);

    [LoggerMessage(EventId = LogEvents.PlayerZoneUnavailable, Level = LogLevel.Warning, Message = "Zone {ZoneId} unavailable for character {CharacterId}")]
    private static partial void LogZoneUnavailable(ILogger logger, Guid characterId, string zoneId, Exception exception);

    [LoggerMessage(EventId = LogEvents.PlayerWorldUnavailable, Level = LogLevel.Warning, Message = "World {WorldId} did not hear that character {CharacterId} left; its next count will")]
    private static partial void LogWorldUnavailable(ILogger logger, Guid characterId, string worldId, Exception exception);

    [LoggerMessage(EventId = LogEvents.PlayerAttackRefused, Level = LogLevel.Debug, Message = "Attack of {CharacterId} on entity {TargetId} refused: {Refusal}")]
    private static partial void LogAttackRefused(ILogger logger, Guid characterId, uint targetId, AttackRefusal refusal);

    [LoggerMessage(EventId = LogEvents.PlayerLeveledUp, Level = LogLevel.Information, Message = "Character {CharacterId} reached level {Level}")]
    private static partial void LogLeveledUp(ILogger logger, Guid characterId, int level);

    [LoggerMessage(EventId = LogEvents.PlayerGatewayGone, Level = LogLevel.Information, Message = "Character {CharacterId} left the world: its gateway {GatewayId} is gone")]
    private static partial void LogGatewayGone(ILogger logger, Guid characterId, string gatewayId);

    [LoggerMessage(EventId = LogEvents.PlayerWriteFailed, Level = LogLevel.Warning, Message = "Writing the state of character {CharacterId} failed; it stays dirty and is retried")]
    private static partial void LogWriteFailed(ILogger logger, Guid characterId, Exception exception);
}
