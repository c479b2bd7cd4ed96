using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Operations;

/// <summary>
/// Every operator action, in one place: the admin HTTP API, the console and <c>mmoctl</c> call it with
/// the identity of their key, GMs in the game through <see cref="ExecuteGm"/>. Each method checks the
/// operator's role, carries the action out and writes it to the audit log with its result, whatever
/// the result. Characters are named by world and name (names are unique per world), accounts by
/// username. A stateless worker: it holds nothing, so every silo runs it locally. Key: 0.
/// </summary>
[Alias("mmo.IOperatorGrain")]
public interface IOperatorGrain : IGrainWithIntegerKey
{
    /// <summary>Runs a GM's in-game request with the role of the GM's account (checked against its live session).</summary>
    [Alias("ExecuteGm")]
    Task<GmResult> ExecuteGm(GameOperator gm, GmCommand command);

    [Alias("LookUpAccount")]
    Task<OperatorResult<PlayerLookup>> LookUpAccount(OperatorIdentity op, string username);

    [Alias("LookUpCharacter")]
    Task<OperatorResult<PlayerLookup>> LookUpCharacter(OperatorIdentity op, string worldId, string name);

    /// <summary>Characters in the world now, optionally of one world and matching <paramref name="search"/> (a prefix of the character or user name).</summary>
    [Alias("ListOnline")]
    Task<OperatorResult<OnlinePage>> ListOnline(OperatorIdentity op, string? worldId, string? search, int offset, int limit);

    [Alias("KickAccount")]
    Task<OperatorResult<OperatorDone>> KickAccount(OperatorIdentity op, string username, string reason);

    [Alias("KickCharacter")]
    Task<OperatorResult<OperatorDone>> KickCharacter(OperatorIdentity op, string worldId, string name, string reason);

    /// <summary>Bans the account until <paramref name="until"/> (null: until lifted) and kicks its session.</summary>
    [Alias("BanAccount")]
    Task<OperatorResult<OperatorDone>> BanAccount(OperatorIdentity op, string username, DateTimeOffset? until, string reason);

    [Alias("UnbanAccount")]
    Task<OperatorResult<OperatorDone>> UnbanAccount(OperatorIdentity op, string username);

    /// <summary>Bans an address range (admin): logins, resumes and registrations from it are refused, its connections kicked.</summary>
    [Alias("BanAddress")]
    Task<OperatorResult<OperatorDone>> BanAddress(OperatorIdentity op, string cidr, DateTimeOffset? until, string reason);

    [Alias("UnbanAddress")]
    Task<OperatorResult<OperatorDone>> UnbanAddress(OperatorIdentity op, string cidr);

    [Alias("ListAddressBans")]
    Task<OperatorResult<IReadOnlyList<AddressBan>>> ListAddressBans(OperatorIdentity op);

    /// <summary>Refuses the character's chat until <paramref name="until"/>.</summary>
    [Alias("Mute")]
    Task<OperatorResult<OperatorDone>> Mute(OperatorIdentity op, string worldId, string name, DateTimeOffset until, string reason);

    [Alias("Unmute")]
    Task<OperatorResult<OperatorDone>> Unmute(OperatorIdentity op, string worldId, string name);

    /// <summary>Moves the character to a zone and position of its world, or next to another character of its world.</summary>
    [Alias("Teleport")]
    Task<OperatorResult<CharacterView>> Teleport(OperatorIdentity op, string worldId, string name, TeleportDestination destination);

    /// <summary>Gives (positive) or takes (negative) items and gold (admin), written through before it answers.</summary>
    [Alias("Grant")]
    Task<OperatorResult<CharacterView>> Grant(OperatorIdentity op, string worldId, string name, InventoryChange change, string reason);

    /// <summary>Sets an account's role (admin).</summary>
    [Alias("SetRole")]
    Task<OperatorResult<OperatorDone>> SetRole(OperatorIdentity op, string username, AccountRole role);

    /// <summary>A SYSTEM line to every online player.</summary>
    [Alias("Announce")]
    Task<OperatorResult<OperatorDone>> Announce(OperatorIdentity op, string text);

    /// <summary>Searches the audit log (not itself audited).</summary>
    [Alias("QueryAudit")]
    Task<OperatorResult<IReadOnlyList<AuditEntry>>> QueryAudit(OperatorIdentity op, AuditQuery query);

    /// <summary>Every world with its status, population and queue (not audited).</summary>
    [Alias("ListWorlds")]
    Task<OperatorResult<IReadOnlyList<World.WorldStatus>>> ListWorlds(OperatorIdentity op);

    /// <summary>Sets a world's capacity and maintenance switch (admin); maintenance with <paramref name="kickPlayers"/> kicks everyone but game masters.</summary>
    [Alias("ConfigureWorld")]
    Task<OperatorResult<World.WorldStatus>> ConfigureWorld(OperatorIdentity op, string worldId, int? capacity, bool? maintenance, bool kickPlayers);

    /// <summary>The live gateways with their load (not audited).</summary>
    [Alias("ListGateways")]
    Task<OperatorResult<IReadOnlyList<GatewayInfo>>> ListGateways(OperatorIdentity op);

    /// <summary>Drains (true) or takes back (false) a gateway (admin): its players move to the others with their tickets.</summary>
    [Alias("DrainGateway")]
    Task<OperatorResult<OperatorDone>> DrainGateway(OperatorIdentity op, string gatewayId, bool drain);

    /// <summary>
    /// Reloads the game data (admin): this silo checks its files with the same checks as at start (a mistake
    /// answers Invalid with what is wrong, and nothing changes), then every silo applies them; the answer waits
    /// for every active silo, or <c>World:GameDataReloadTimeout</c>.
    /// </summary>
    [Alias("ReloadGameData")]
    Task<OperatorResult<GameDataReload>> ReloadGameData(OperatorIdentity op);

    /// <summary>Schedules a cluster shutdown in <paramref name="delay"/> (admin), announced to every player.</summary>
    [Alias("ScheduleShutdown")]
    Task<OperatorResult<ShutdownStatus>> ScheduleShutdown(OperatorIdentity op, TimeSpan delay, string message);

    /// <summary>Calls off a scheduled shutdown that has not begun (admin).</summary>
    [Alias("CancelShutdown")]
    Task<OperatorResult<ShutdownStatus>> CancelShutdown(OperatorIdentity op);

    [Alias("GetShutdown")]
    Task<OperatorResult<ShutdownStatus>> GetShutdown(OperatorIdentity op);

    /// <summary>Daily distinct players, peak online and play time per world, from the session records (UTC days).</summary>
    [Alias("DailyStats")]
    Task<OperatorResult<IReadOnlyList<DailyOnline>>> DailyStats(OperatorIdentity op, DateOnly from, DateOnly to, string? worldId);
}

/// <summary>Where a teleport goes: a zone and position, or next to a character (<see cref="ToCharacter"/>).</summary>
[GenerateSerializer, Alias("mmo.TeleportDestination")]
public sealed record TeleportDestination(
    [property: Id(0)] string? ZoneId,
    [property: Id(1)] Position? Position,
    [property: Id(2)] string? ToCharacter);

/// <summary>Items and gold to add (positive) or take (negative).</summary>
[GenerateSerializer, Alias("mmo.InventoryChange")]
public sealed record InventoryChange(
    [property: Id(0)] string? ItemId,
    [property: Id(1)] int Count,
    [property: Id(2)] long Gold);

/// <summary>The actions a GM can ask for in the game (wire enum <c>GmAction</c> has the same values).</summary>
[GenerateSerializer, Alias("mmo.GmAction")]
public enum GmAction
{
    Unspecified = 0,
    LookUp = 1,
    ListOnline = 2,
    Kick = 3,
    Ban = 4,
    Unban = 5,
    Mute = 6,
    Unmute = 7,
    Teleport = 8,
    Grant = 9,
    Announce = 10,
}

/// <summary>A GM's in-game request: <see cref="Target"/> is a character of the GM's world (for bans, its account).</summary>
[GenerateSerializer, Alias("mmo.GmCommand")]
public sealed record GmCommand(
    [property: Id(0)] GmAction Action,
    [property: Id(1)] string Target,
    [property: Id(2)] TeleportDestination? Destination,
    [property: Id(3)] TimeSpan? Duration,
    [property: Id(4)] string Reason,
    [property: Id(5)] InventoryChange? Change,
    [property: Id(6)] string Text,
    [property: Id(7)] int Offset,
    [property: Id(8)] int Limit);

/// <summary>
/// A GM request's answer: the outcome, a line for the GM, and a look-up or a page of players when asked for.
/// <c>IsOperator</c> is false when the account is a plain player (or its session was replaced): the request is refused outright.
/// </summary>
[GenerateSerializer, Alias("mmo.GmResult")]
public sealed record GmResult(
    [property: Id(0)] OperatorOutcome Outcome,
    [property: Id(1)] string Message,
    [property: Id(2)] PlayerLookup? Lookup,
    [property: Id(3)] OnlinePage? Online,
    [property: Id(4)] bool IsOperator = true);

/// <summary>A live gateway as operators see it.</summary>
[GenerateSerializer, Alias("mmo.GatewayInfo")]
public sealed record GatewayInfo(
    [property: Id(0)] string GatewayId,
    [property: Id(1)] string PublicHost,
    [property: Id(2)] int PublicPort,
    [property: Id(3)] int Connections,
    [property: Id(4)] int InWorld,
    [property: Id(5)] bool Draining,
    [property: Id(6)] DateTimeOffset LastSeen);
