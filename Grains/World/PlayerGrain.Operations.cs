using Microsoft.Extensions.Logging;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Protocol;

namespace OrleansMmo.Grains.World;

// What operators do to a character. The operator grain checks roles and writes the audit log;
// these methods only keep the character's own rules (bounds, stacks, write-through).
public sealed partial class PlayerGrain
{
    /// <summary>Never entered the world: no state worth showing (the account lists the character).</summary>
    private bool HasWorldState => !string.IsNullOrEmpty(State.ZoneId);

    public Task<CharacterView?> GetAdminView() => Task.FromResult(HasWorldState ? View() : null);

    public async Task<bool> SetMute(DateTimeOffset? until)
    {
        if (!HasWorldState)
        {
            return false;
        }

        State.MutedUntil = until;
        await state.WriteThroughAsync();
        return true;
    }

    public async Task<OperatorResult<CharacterView>> Teleport(string zoneId, Position position)
    {
        if (!HasWorldState)
        {
            return OperatorResult.Fail<CharacterView>(OperatorOutcome.NotFound, "the character has never entered the world");
        }

        if (!gameData.Zones.TryGetValue(zoneId, out var zone))
        {
            return OperatorResult.Fail<CharacterView>(OperatorOutcome.Invalid, $"no zone '{zoneId}'");
        }

        if (!position.IsFinite || !zone.Contains(position))
        {
            return OperatorResult.Fail<CharacterView>(OperatorOutcome.Invalid, $"({position.X}, {position.Y}) is outside zone '{zoneId}' (0..{zone.Width} x 0..{zone.Height})");
        }

        if (zone.PortalAt(position) is { } portal)
        {
            return OperatorResult.Fail<CharacterView>(OperatorOutcome.Invalid, $"({position.X}, {position.Y}) is inside portal '{portal.Id}'");
        }

        var from = State.ZoneId;
        if (_session is null)
        {
            State.ZoneId = zoneId;
            State.Position = position;
            await state.WriteThroughAsync();
            LogTeleported(logger, CharacterId, from, zoneId, position.X, position.Y, false);
            return OperatorResult.Ok<CharacterView>(View(), $"moved to {zoneId} ({position.X}, {position.Y}); it is offline");
        }

        await RelocateInWorldAsync(zoneId, position);
        LogTeleported(logger, CharacterId, from, zoneId, position.X, position.Y, true);
        return OperatorResult.Ok<CharacterView>(View(), $"moved to {zoneId} ({position.X}, {position.Y})");
    }

    public async Task RefreshZone(long version)
    {
        if (_session is null)
        {
            // Offline: the next Attach finds the zone gone (and relocates) or reads the new map.
            return;
        }

        if (!await gameData.WhenAtLeastAsync(version, options.Value.GameDataReloadTimeout))
        {
            LogRefreshBehind(logger, CharacterId, version, gameData.Version);
        }

        if (gameData.Zones.TryGetValue(State.ZoneId, out var zone))
        {
            var inside = new Position(Math.Clamp(State.Position.X, 0, zone.Width), Math.Clamp(State.Position.Y, 0, zone.Height));
            await RelocateInWorldAsync(zone.Id, inside);
        }
        else
        {
            var start = gameData.Zone(gameData.StartZone);
            LogRelocated(logger, CharacterId, State.ZoneId, start.Id);
            await RelocateInWorldAsync(start.Id, start.Spawn);
        }
    }

    public async Task<OperatorResult<CharacterView>> AdjustInventory(InventoryChange change)
    {
        if (!HasWorldState)
        {
            return OperatorResult.Fail<CharacterView>(OperatorOutcome.NotFound, "the character has never entered the world");
        }

        if (!InventoryChanges.TryApply(State.Inventory, State.Gold, change, gameData, out var inventory, out var gold, out var problem))
        {
            return OperatorResult.Fail<CharacterView>(OperatorOutcome.Invalid, problem);
        }

        var (oldInventory, oldGold) = (State.Inventory, State.Gold);
        State.Inventory = inventory;
        State.Gold = gold;
        try
        {
            // Items and gold are written through, like loot: acknowledged means stored.
            await state.WriteThroughAsync();
        }
        catch
        {
            // No write of the change is still running when this throws (see docs/persistence.md), so undoing is safe.
            State.Inventory = oldInventory;
            State.Gold = oldGold;
            throw;
        }

        return OperatorResult.Ok<CharacterView>(View(), "granted");
    }

    /// <summary>
    /// Moves an in-world character to a new place and tells its client. The Teleported push is delivered
    /// (and acknowledged by the gateway) before the character enters the new place, so the client resets
    /// its view before the zone's first update of the new place can reach it.
    /// </summary>
    private async Task RelocateInWorldAsync(string zoneId, Position position)
    {
        var from = State.ZoneId;
        var fromPosition = State.Position;
        if (from != zoneId)
        {
            await LeaveZoneQuietlyAsync();
        }

        State.ZoneId = zoneId;
        State.Position = position;
        var session = _session!;
        await PushAsync(session, (ushort)Opcode.Teleported, ArrivalWire.EncodeTeleported(Arrival()));
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
        state.MarkDirty();
        await FlushQuietlyAsync();
    }

    /// <summary>One frame to this character's connection; false if its gateway did not take it in time.</summary>
    private async Task<bool> PushAsync(PlayerSession session, ushort opcode, byte[] payload)
    {
        var writer = new PushWriter();
        writer.WriteFrame(session, CharacterId, opcode, payload);
        try
        {
            await session.Gateway.Deliver(writer.ToBatch("player", 0)).WaitAsync(_options.DeliveryTimeout);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPushFailed(logger, CharacterId, session.GatewayId, ex.GetType().Name);
            return false;
        }
    }

    private CharacterView View() => new(
        CharacterId, State.Name, WorldId, State.AccountKey, State.Level, State.Experience, State.Gold, [.. State.Inventory],
        State.ZoneId, State.Position, _session is not null, _session?.GatewayId,
        State.MutedUntil is { } until && until > time.GetUtcNow() ? until : null);

    [LoggerMessage(EventId = LogEvents.PlayerTeleported, Level = LogLevel.Information, Message = "Character {CharacterId} teleported from {FromZone} to {ToZone} ({X}, {Y}); in the world: {InWorld}")]
    private static partial void LogTeleported(ILogger logger, Guid characterId, string fromZone, string toZone, float x, float y, bool inWorld);

    [LoggerMessage(EventId = LogEvents.PlayerRefreshBehind, Level = LogLevel.Warning, Message = "Character {CharacterId} was told of game data {Version}, which this silo does not run (it runs {Running}); refreshed with what it has")]
    private static partial void LogRefreshBehind(ILogger logger, Guid characterId, long version, long running);

    [LoggerMessage(EventId = LogEvents.PlayerPushFailed, Level = LogLevel.Warning, Message = "Push to character {CharacterId} on gateway {GatewayId} failed: {Error}")]
    private static partial void LogPushFailed(ILogger logger, Guid characterId, string gatewayId, string error);
}
