using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Operations;

/// <summary>
/// Carries out operator actions. Every audited action is written to the audit log as "pending"
/// before anything happens (if that write fails, nothing happens), then completed with its result:
/// no action can take effect unrecorded. Roles are checked here and nowhere else.
/// </summary>
[StatelessWorker, GrainType("operator")]
public sealed partial class OperatorGrain(
    IOperationsStore records,
    GameData.GameDataCatalog gameData,
    Microsoft.Extensions.Options.IOptions<WorldOptions> worldOptions,
    TimeProvider time,
    ILogger<OperatorGrain> logger)
    : Grain, IOperatorGrain
{
    private const string Pending = "pending";

    public Task<OperatorResult<PlayerLookup>> LookUpAccount(OperatorIdentity op, string username) =>
        AuditedAsync(op, "look_up", AccountTarget(username), "", async () =>
        {
            var account = await FindAccountAsync(username);
            return account is null
                ? NotFound<PlayerLookup>($"no account '{username}'")
                : OperatorResult.Ok<PlayerLookup>(await LookupAsync(account, null), "found");
        });

    public Task<OperatorResult<PlayerLookup>> LookUpCharacter(OperatorIdentity op, string worldId, string name) =>
        AuditedAsync(op, "look_up", CharacterTarget(worldId, name), "", async () =>
        {
            var found = await FindCharacterAsync(worldId, name);
            if (found is null)
            {
                return NotFound<PlayerLookup>($"no character '{name}' in world '{worldId}'");
            }

            var account = await Account(found.Value.AccountKey).GetAdminView();
            return account is null
                ? NotFound<PlayerLookup>($"the account of '{name}' is gone")
                : OperatorResult.Ok<PlayerLookup>(await LookupAsync(account, found.Value.View), "found");
        });

    public Task<OperatorResult<OnlinePage>> ListOnline(OperatorIdentity op, string? worldId, string? search, int offset, int limit) =>
        AuditedAsync(op, "list_online", string.IsNullOrEmpty(worldId) ? "world:*" : WorldTarget(worldId), $"search: {search}; offset {offset}, limit {limit}",
            async () => OperatorResult.Ok<OnlinePage>(await records.OnlineAsync(worldId, search, offset, Math.Clamp(limit, 1, 500))));

    public Task<OperatorResult<OperatorDone>> KickAccount(OperatorIdentity op, string username, string reason) =>
        AuditedAsync(op, "kick", AccountTarget(username), Reason(reason), async () =>
            !AccountKeys.IsWellFormedUsername(username) || !await Account(AccountKeys.ForUsername(username)).Kick(reason)
                ? NotFound<OperatorDone>($"no account '{username}'")
                : Done("kicked"));

    public Task<OperatorResult<OperatorDone>> KickCharacter(OperatorIdentity op, string worldId, string name, string reason) =>
        AuditedAsync(op, "kick", CharacterTarget(worldId, name), Reason(reason), async () =>
        {
            var found = await FindCharacterAsync(worldId, name);
            return found is null || !await Account(found.Value.AccountKey).Kick(reason)
                ? NotFound<OperatorDone>($"no character '{name}' in world '{worldId}'")
                : Done("kicked");
        });

    public Task<OperatorResult<OperatorDone>> BanAccount(OperatorIdentity op, string username, DateTimeOffset? until, string reason) =>
        AuditedAsync(op, "ban", AccountTarget(username), $"until: {Until(until)}; {Reason(reason)}", async () =>
        {
            if (until is { } end && end <= time.GetUtcNow())
            {
                return Invalid<OperatorDone>("the ban would end in the past");
            }

            var ban = new BanInfo(until, Text(reason), op.Name, time.GetUtcNow());
            return !AccountKeys.IsWellFormedUsername(username) || !await Account(AccountKeys.ForUsername(username)).Ban(ban)
                ? NotFound<OperatorDone>($"no account '{username}'")
                : Done($"banned until {Until(until)}");
        });

    public Task<OperatorResult<OperatorDone>> UnbanAccount(OperatorIdentity op, string username) =>
        AuditedAsync(op, "unban", AccountTarget(username), "", async () =>
            !AccountKeys.IsWellFormedUsername(username) || !await Account(AccountKeys.ForUsername(username)).Unban()
                ? NotFound<OperatorDone>($"account '{username}' does not exist or is not banned")
                : Done("unbanned"));

    public Task<OperatorResult<OperatorDone>> BanAddress(OperatorIdentity op, string cidr, DateTimeOffset? until, string reason) =>
        AuditedAsync(op, "ban_address", "address:" + (AddressBanGrain.Normalize(cidr) ?? cidr), $"until: {Until(until)}; {Reason(reason)}", async () =>
        {
            if (AddressBanGrain.Normalize(cidr) is not { } range)
            {
                return Invalid<OperatorDone>($"'{cidr}' is not an address or CIDR range");
            }

            if (until is { } end && end <= time.GetUtcNow())
            {
                return Invalid<OperatorDone>("the ban would end in the past");
            }

            await GrainFactory.GetGrain<IAddressBanGrain>(0).Add(new AddressBan(range, new BanInfo(until, Text(reason), op.Name, time.GetUtcNow())));
            return Done($"{range} banned until {Until(until)}");
        });

    public Task<OperatorResult<OperatorDone>> UnbanAddress(OperatorIdentity op, string cidr) =>
        AuditedAsync(op, "unban_address", "address:" + (AddressBanGrain.Normalize(cidr) ?? cidr), "", async () =>
            await GrainFactory.GetGrain<IAddressBanGrain>(0).Remove(cidr)
                ? Done("unbanned")
                : NotFound<OperatorDone>($"no ban of '{cidr}'"));

    public Task<OperatorResult<IReadOnlyList<AddressBan>>> ListAddressBans(OperatorIdentity op) =>
        UnauditedAsync(op, "ban_address", async () =>
            OperatorResult.Ok<IReadOnlyList<AddressBan>>((await GrainFactory.GetGrain<IAddressBanGrain>(0).GetAll()).Bans));

    public Task<OperatorResult<OperatorDone>> Mute(OperatorIdentity op, string worldId, string name, DateTimeOffset until, string reason) =>
        AuditedAsync(op, "mute", CharacterTarget(worldId, name), $"until: {Until(until)}; {Reason(reason)}", async () =>
        {
            if (until <= time.GetUtcNow())
            {
                return Invalid<OperatorDone>("the mute would end in the past");
            }

            var found = await FindCharacterAsync(worldId, name);
            return found is null || !await Player(found.Value.CharacterId).SetMute(until)
                ? NotFound<OperatorDone>($"no character '{name}' in world '{worldId}' that has entered the world")
                : Done($"muted until {Until(until)}");
        });

    public Task<OperatorResult<OperatorDone>> Unmute(OperatorIdentity op, string worldId, string name) =>
        AuditedAsync(op, "unmute", CharacterTarget(worldId, name), "", async () =>
        {
            var found = await FindCharacterAsync(worldId, name);
            return found is null || !await Player(found.Value.CharacterId).SetMute(null)
                ? NotFound<OperatorDone>($"no character '{name}' in world '{worldId}' that has entered the world")
                : Done("unmuted");
        });

    public Task<OperatorResult<CharacterView>> Teleport(OperatorIdentity op, string worldId, string name, TeleportDestination destination) =>
        AuditedAsync(op, "teleport", CharacterTarget(worldId, name), Describe(destination), async () =>
        {
            var found = await FindCharacterAsync(worldId, name);
            if (found?.View is not { } view)
            {
                return NotFound<CharacterView>($"no character '{name}' in world '{worldId}' that has entered the world");
            }

            string zoneId;
            Position position;
            if (!string.IsNullOrWhiteSpace(destination.ToCharacter))
            {
                var other = await FindCharacterAsync(worldId, destination.ToCharacter);
                if (other?.View is not { } to)
                {
                    return NotFound<CharacterView>($"no character '{destination.ToCharacter}' in world '{worldId}' that has entered the world");
                }

                (zoneId, position) = (to.ZoneId, to.Position);
            }
            else if (destination.Position is { } at)
            {
                (zoneId, position) = (string.IsNullOrWhiteSpace(destination.ZoneId) ? view.ZoneId : destination.ZoneId, at);
            }
            else
            {
                return Invalid<CharacterView>("give a position (and zone), or a character to go to");
            }

            return await Player(view.CharacterId).Teleport(zoneId, position);
        });

    public Task<OperatorResult<CharacterView>> Grant(OperatorIdentity op, string worldId, string name, InventoryChange change, string reason) =>
        AuditedAsync(op, "grant", CharacterTarget(worldId, name), $"item: {change.ItemId} x {change.Count}; gold: {change.Gold}; {Reason(reason)}", async () =>
        {
            var found = await FindCharacterAsync(worldId, name);
            return found?.View is not { } view
                ? NotFound<CharacterView>($"no character '{name}' in world '{worldId}' that has entered the world")
                : await Player(view.CharacterId).AdjustInventory(change);
        });

    public Task<OperatorResult<OperatorDone>> SetRole(OperatorIdentity op, string username, AccountRole role) =>
        AuditedAsync(op, "set_role", AccountTarget(username), $"role: {role}", async () =>
            !Enum.IsDefined(role) ? Invalid<OperatorDone>($"no role {(int)role}")
            : !AccountKeys.IsWellFormedUsername(username) || !await Account(AccountKeys.ForUsername(username)).SetRole(role)
                ? NotFound<OperatorDone>($"no account '{username}'")
                : Done($"role {role}"));

    public Task<OperatorResult<OperatorDone>> Announce(OperatorIdentity op, string text) =>
        AuditedAsync(op, "announce", "world:*", $"text: {text}", async () =>
        {
            if (string.IsNullOrWhiteSpace(text) || text.Length > OperatorRules.MaxTextLength)
            {
                return Invalid<OperatorDone>($"text is required, at most {OperatorRules.MaxTextLength} characters");
            }

            await GrainFactory.GetGrain<IWorldChatGrain>(0).Broadcast(new ChatLine(ChatChannel.System, Guid.Empty, "", text, time.GetUtcNow(), ""));
            return Done("announced");
        });

    public Task<OperatorResult<IReadOnlyList<AuditEntry>>> QueryAudit(OperatorIdentity op, AuditQuery query) =>
        UnauditedAsync(op, "audit", async () => OperatorResult.Ok<IReadOnlyList<AuditEntry>>(await records.QueryAuditAsync(query)));

    public Task<OperatorResult<IReadOnlyList<DailyOnline>>> DailyStats(OperatorIdentity op, DateOnly from, DateOnly to, string? worldId) =>
        UnauditedAsync(op, "stats", async () =>
        {
            if (to < from || to.DayNumber - from.DayNumber >= OperatorRules.MaxStatsDays)
            {
                return Invalid<IReadOnlyList<DailyOnline>>($"from must not be after to, and at most {OperatorRules.MaxStatsDays} days apart");
            }

            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var stays = await records.StaysAsync(start, end, worldId, OperatorRules.MaxStatsStays);
            return OperatorResult.Ok<IReadOnlyList<DailyOnline>>(DailyStatistics.Compute(stays, from, to, time.GetUtcNow()));
        });

    public Task<OperatorResult<IReadOnlyList<WorldStatus>>> ListWorlds(OperatorIdentity op) =>
        UnauditedAsync(op, "worlds", async () =>
            OperatorResult.Ok<IReadOnlyList<WorldStatus>>([.. await GrainFactory.GetGrain<IWorldDirectoryGrain>(0).GetWorlds()]));

    public Task<OperatorResult<WorldStatus>> ConfigureWorld(OperatorIdentity op, string worldId, int? capacity, bool? maintenance, bool kickPlayers) =>
        AuditedAsync(op, "configure_world", WorldTarget(worldId), $"capacity: {capacity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unchanged"}; maintenance: {maintenance?.ToString() ?? "unchanged"}; kick: {kickPlayers}", async () =>
        {
            if (!gameData.Worlds.ContainsKey(worldId))
            {
                return NotFound<WorldStatus>($"no world '{worldId}'");
            }

            if (capacity is { } value && value is < 1 or > GameData.GameDataLoader.MaxWorldCapacity)
            {
                return Invalid<WorldStatus>($"capacity must be 1 to {GameData.GameDataLoader.MaxWorldCapacity}");
            }

            return OperatorResult.Ok(await GrainFactory.GetGrain<IWorldGrain>(worldId).Configure(capacity, maintenance, kickPlayers));
        });

    public Task<OperatorResult<IReadOnlyList<GatewayInfo>>> ListGateways(OperatorIdentity op) =>
        UnauditedAsync(op, "gateways", async () =>
        {
            var live = await GrainFactory.GetGrain<Gateways.IGatewayRegistryGrain>(Gateways.IGatewayRegistryGrain.Key).GetLive();
            return OperatorResult.Ok<IReadOnlyList<GatewayInfo>>([.. live.OrderBy(g => g.GatewayId, StringComparer.Ordinal)
                .Select(g => new GatewayInfo(g.GatewayId, g.PublicHost, g.PublicPort, g.Connections, g.InWorld, g.Draining, g.LastSeen))]);
        });

    public Task<OperatorResult<OperatorDone>> DrainGateway(OperatorIdentity op, string gatewayId, bool drain) =>
        AuditedAsync(op, drain ? "drain" : "undrain", "gateway:" + gatewayId, "", async () =>
        {
            var live = await GrainFactory.GetGrain<Gateways.IGatewayRegistryGrain>(Gateways.IGatewayRegistryGrain.Key).GetLive();
            if (live.FirstOrDefault(g => g.GatewayId == gatewayId) is not { } gateway)
            {
                return NotFound<OperatorDone>($"no live gateway '{gatewayId}'");
            }

            var moved = await gateway.Observer.SetDraining(drain);
            return Done(drain ? $"draining; {moved} connections moved" : "accepting clients again");
        });

    public Task<OperatorResult<GameDataReload>> ReloadGameData(OperatorIdentity op) =>
        AuditedAsync(op, "reload_game_data", "gamedata", worldOptions.Value.GameDataDirectory(), async () =>
        {
            Dictionary<string, string> files;
            try
            {
                // The same checks as at start; a mistake changes nothing anywhere.
                files = GameData.GameDataLoader.ReadFiles(worldOptions.Value.GameDataDirectory());
                GameData.GameDataLoader.Load(files);
            }
            catch (GameData.GameDataException ex)
            {
                return Invalid<GameDataReload>(ex.Message);
            }
            catch (IOException ex)
            {
                return Invalid<GameDataReload>("the game data could not be read: " + ex.Message);
            }

            var releases = GrainFactory.GetGrain<IGameDataGrain>(0);
            var version = await releases.Publish(files, op.Name);
            var silos = (await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys.Select(s => s.ToString()).ToHashSet(StringComparer.Ordinal);
            var deadline = time.GetUtcNow() + worldOptions.Value.GameDataReloadTimeout;
            IReadOnlyList<GameDataApplied> reports;
            while (true)
            {
                reports = await releases.GetReports(version);
                if (silos.All(s => reports.Any(r => r.Silo == s)) || time.GetUtcNow() >= deadline)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }

            var missing = silos.Where(s => reports.All(r => r.Silo != s)).ToList();
            var report = new GameDataReload(version, reports, missing);
            var failed = reports.Where(r => r.Error is not null).ToList();
            return failed.Count == 0 && missing.Count == 0
                ? OperatorResult.Ok(report, $"applied on {reports.Count} silos")
                : new OperatorResult<GameDataReload>(OperatorOutcome.Failed,
                    $"applied on {reports.Count - failed.Count} of {silos.Count} silos; " +
                    string.Join("; ", failed.Select(f => $"{f.Silo}: {f.Error}").Concat(missing.Select(m => $"{m}: no answer"))), report);
        });

    public Task<OperatorResult<ShutdownStatus>> ScheduleShutdown(OperatorIdentity op, TimeSpan delay, string message) =>
        AuditedAsync(op, "shutdown", "cluster", $"in {delay}; message: {message}", async () =>
        {
            if (delay < TimeSpan.Zero || delay > TimeSpan.FromDays(1))
            {
                return Invalid<ShutdownStatus>("the delay must be from 0 to 24 hours");
            }

            if ((message ?? "").Length > OperatorRules.MaxTextLength)
            {
                return Invalid<ShutdownStatus>($"the message is at most {OperatorRules.MaxTextLength} characters");
            }

            var status = await GrainFactory.GetGrain<IShutdownGrain>(0).Schedule(time.GetUtcNow() + delay, message ?? "", op.Name);
            return OperatorResult.Ok(status, $"shutdown at {Until(status.At)}");
        });

    public Task<OperatorResult<ShutdownStatus>> CancelShutdown(OperatorIdentity op) =>
        AuditedAsync(op, "cancel_shutdown", "cluster", "", async () =>
        {
            var shutdown = GrainFactory.GetGrain<IShutdownGrain>(0);
            return await shutdown.Cancel()
                ? OperatorResult.Ok(await shutdown.GetStatus(), "called off")
                : Invalid<ShutdownStatus>("no shutdown is counting down");
        });

    public Task<OperatorResult<ShutdownStatus>> GetShutdown(OperatorIdentity op) =>
        UnauditedAsync(op, "shutdown_status", async () => OperatorResult.Ok(await GrainFactory.GetGrain<IShutdownGrain>(0).GetStatus()));

    public async Task<GmResult> ExecuteGm(GameOperator gm, GmCommand command)
    {
        var role = await Account(gm.AccountKey).GetRole(gm.SessionId);
        var username = gm.AccountKey.StartsWith("acct:", StringComparison.Ordinal) ? gm.AccountKey[5..] : gm.AccountKey;
        var op = new OperatorIdentity("account:" + username, role ?? AccountRole.Player, OperatorChannel.Game, gm.Source);
        if (role is null or AccountRole.Player)
        {
            // A player trying operator actions is worth knowing about: recorded, then refused outright.
            await AuditedAsync(op, command.Action.ToString().ToLowerInvariant(), CharacterTarget(gm.WorldId, command.Target), "gm request from a player",
                () => Task.FromResult(Done("")));
            return new GmResult(OperatorOutcome.Forbidden, "not a game master", null, null, IsOperator: false);
        }

        var world = gm.WorldId;
        var target = command.Target;
        switch (command.Action)
        {
            case GmAction.LookUp:
                return Gm(await LookUpCharacter(op, world, target), r => r);
            case GmAction.ListOnline:
                var page = await ListOnline(op, world, target, command.Offset, command.Limit == 0 ? 50 : command.Limit);
                return new GmResult(page.Outcome, page.Message, null, page.Value);
            case GmAction.Kick:
                return Gm(await KickCharacter(op, world, target, command.Reason));
            case GmAction.Ban or GmAction.Unban:
                var owner = await FindCharacterAsync(world, target);
                if (owner is null)
                {
                    return new GmResult(OperatorOutcome.NotFound, $"no character '{target}'", null, null);
                }

                var accountName = owner.Value.AccountKey[5..];
                return command.Action == GmAction.Ban
                    ? Gm(await BanAccount(op, accountName, command.Duration is { } d && d > TimeSpan.Zero ? time.GetUtcNow() + d : null, command.Reason))
                    : Gm(await UnbanAccount(op, accountName));
            case GmAction.Mute:
                return command.Duration is { } duration && duration > TimeSpan.Zero
                    ? Gm(await Mute(op, world, target, time.GetUtcNow() + duration, command.Reason))
                    : new GmResult(OperatorOutcome.Invalid, "a mute needs a duration", null, null);
            case GmAction.Unmute:
                return Gm(await Unmute(op, world, target));
            case GmAction.Teleport:
                return Gm(await Teleport(op, world, target, command.Destination ?? new TeleportDestination(null, null, null)));
            case GmAction.Grant:
                return Gm(await Grant(op, world, target, command.Change ?? new InventoryChange(null, 0, 0), command.Reason));
            case GmAction.Announce:
                return Gm(await Announce(op, command.Text));
            default:
                return new GmResult(OperatorOutcome.Invalid, $"unknown action {command.Action}", null, null);
        }
    }

    /// <summary>
    /// Checks the role, writes the entry as pending (nothing happens if that fails), runs the action,
    /// and completes the entry with the outcome. A failure of the action is an outcome too.
    /// </summary>
    private async Task<OperatorResult<T>> AuditedAsync<T>(OperatorIdentity op, string action, string target, string details, Func<Task<OperatorResult<T>>> run)
    {
        var entry = new AuditEntry(0, time.GetUtcNow(), op.Name, op.Role, op.Channel, op.Source, action, target, Truncate(details), Pending);
        var id = await records.AppendAuditAsync(entry);
        var result = await RunAsync(op, action, run);
        try
        {
            await records.CompleteAuditAsync(id, ResultText(result.Outcome, result.Message));
        }
        catch (Exception ex)
        {
            // The action happened; its entry stays "pending", which says exactly that its result is unknown.
            LogAuditCompletionFailed(logger, ex, id, action);
        }

        LogAction(logger, op.Name, action, target, result.Outcome);
        return result;
    }

    private Task<OperatorResult<T>> UnauditedAsync<T>(OperatorIdentity op, string action, Func<Task<OperatorResult<T>>> run) => RunAsync(op, action, run);

    private async Task<OperatorResult<T>> RunAsync<T>(OperatorIdentity op, string action, Func<Task<OperatorResult<T>>> run)
    {
        var required = OperatorRules.Required(action);
        if (op.Role < required)
        {
            return OperatorResult.Fail<T>(OperatorOutcome.Forbidden, $"needs {required}; {op.Name} is {op.Role}");
        }

        try
        {
            return await run();
        }
        catch (Exception ex) when (ex is ArgumentException)
        {
            return Invalid<T>(ex.Message);
        }
        catch (Exception ex)
        {
            LogActionFailed(logger, ex, op.Name, action);
            return OperatorResult.Fail<T>(OperatorOutcome.Failed, "the cluster could not complete it; retry");
        }
    }

    private async Task<PlayerLookup> LookupAsync(AccountView account, CharacterView? character)
    {
        var playTime = await records.PlayTimeAsync(account.AccountId, time.GetUtcNow());
        var sessions = await records.SessionsOfAccountAsync(account.AccountId, 10);
        return new PlayerLookup(account, character, playTime, sessions);
    }

    private async Task<AccountView?> FindAccountAsync(string username) =>
        AccountKeys.IsWellFormedUsername(username) ? await Account(AccountKeys.ForUsername(username)).GetAdminView() : null;

    /// <summary>The character of that name in that world: its id, its account and (once it has entered the world) its state.</summary>
    private async Task<(Guid CharacterId, string AccountKey, CharacterView? View)?> FindCharacterAsync(string worldId, string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > AccountKeys.MaxUsernameLength)
        {
            return null;
        }

        var owner = await GrainFactory.GetGrain<ICharacterNameGrain>(CharacterNames.Key(worldId, name, gameData.DefaultWorld))
            .Find(AccountKeys.NormalizeCharacterName(name));
        if (owner is null)
        {
            return null;
        }

        var view = await Player(owner.CharacterId).GetAdminView();
        if (view is not null && view.WorldId != worldId)
        {
            return null;
        }

        var accountKey = owner.AccountKey.Length > 0 ? owner.AccountKey : view?.AccountKey ?? "";
        return accountKey.Length == 0 ? null : (owner.CharacterId, accountKey, view);
    }

    private IAccountGrain Account(string key) => GrainFactory.GetGrain<IAccountGrain>(key);

    private IPlayerGrain Player(Guid characterId) => GrainFactory.GetGrain<IPlayerGrain>(characterId);

    private static GmResult Gm<T>(OperatorResult<T> result) => new(result.Outcome, result.Message, null, null);

    private static GmResult Gm(OperatorResult<PlayerLookup> result, Func<PlayerLookup?, PlayerLookup?> lookup) =>
        new(result.Outcome, result.Message, lookup(result.Value), null);

    private static OperatorResult<OperatorDone> Done(string message) => OperatorResult.Ok<OperatorDone>(OperatorDone.Instance, message);

    private static OperatorResult<T> NotFound<T>(string message) => OperatorResult.Fail<T>(OperatorOutcome.NotFound, message);

    private static OperatorResult<T> Invalid<T>(string message) => OperatorResult.Fail<T>(OperatorOutcome.Invalid, message);

    public static string AccountTarget(string username) => "account:" + (username ?? "").Trim().ToLowerInvariant();

    public static string CharacterTarget(string worldId, string name) =>
        $"character:{worldId}/{(string.IsNullOrWhiteSpace(name) ? "" : AccountKeys.NormalizeCharacterName(name))}";

    public static string WorldTarget(string worldId) => "world:" + worldId;

    public static string ResultText(OperatorOutcome outcome, string message) => outcome switch
    {
        OperatorOutcome.Ok => "ok",
        _ => $"{outcome.ToString().ToLowerInvariant()}: {message}",
    };

    private static string Until(DateTimeOffset? until) => until?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "lifted";

    private static string Reason(string? reason) => "reason: " + Text(reason);

    private static string Text(string? text) => Truncate(string.IsNullOrWhiteSpace(text) ? "(none)" : text.Trim());

    private static string Truncate(string text) => text.Length <= OperatorRules.MaxTextLength ? text : text[..OperatorRules.MaxTextLength];

    private static string Describe(TeleportDestination d) =>
        !string.IsNullOrWhiteSpace(d.ToCharacter) ? $"to character {d.ToCharacter}"
        : d.Position is { } p ? $"to {d.ZoneId} ({p.X}, {p.Y})"
        : "nowhere";

    [LoggerMessage(EventId = LogEvents.OperatorAction, Level = LogLevel.Information, Message = "Operator {Operator}: {Action} on {Target}: {Outcome}")]
    private static partial void LogAction(ILogger logger, string @operator, string action, string target, OperatorOutcome outcome);

    [LoggerMessage(EventId = LogEvents.OperatorActionFailed, Level = LogLevel.Error, Message = "Operator {Operator}: {Action} failed")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string @operator, string action);

    [LoggerMessage(EventId = LogEvents.OperatorAuditIncomplete, Level = LogLevel.Error, Message = "Audit entry {Id} ({Action}) could not be completed; it stays pending")]
    private static partial void LogAuditCompletionFailed(ILogger logger, Exception exception, long id, string action);
}
