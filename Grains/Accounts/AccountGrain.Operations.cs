using Microsoft.Extensions.Logging;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Grains.Accounts;

// What operators do to an account. The operator grain checks roles and writes the audit log; these
// methods only change the account and its live session.
public sealed partial class AccountGrain
{
    public Task<AccountView?> GetAdminView()
    {
        if (!Exists)
        {
            return Task.FromResult<AccountView?>(null);
        }

        var account = state.State;
        var endpoint = account.Session?.Endpoint;
        return Task.FromResult<AccountView?>(new AccountView(
            account.AccountId,
            account.Username,
            account.Role,
            account.CreatedAt,
            account.LastLoginAt,
            ActiveBan(),
            [.. account.Characters.Select(c => new AccountCharacter(c.CharacterId, c.Name, gameData.WorldOf(c.WorldId), c.Level))],
            endpoint is not null,
            endpoint?.GatewayId,
            endpoint?.RemoteAddress,
            account.Session?.CharacterInWorld));
    }

    public Task<AccountRole?> GetRole(Guid sessionId) =>
        Task.FromResult(CurrentSession(sessionId) is null ? (AccountRole?)null : state.State.Role);

    public async Task<bool> SetRole(AccountRole role)
    {
        if (!Exists)
        {
            return false;
        }

        var previous = state.State.Role;
        state.State.Role = role;
        try
        {
            await state.WriteThroughAsync();
        }
        catch
        {
            state.State.Role = previous;
            throw;
        }

        LogRoleSet(logger, state.State.AccountId, role);
        return true;
    }

    public async Task<bool> Kick(string reason)
    {
        if (!Exists)
        {
            return false;
        }

        if (state.State.Session is not { } session)
        {
            return true;
        }

        // The session ends, ticket included: a kicked client cannot simply resume; it logs in again.
        state.State.Session = null;
        await state.WriteThroughAsync();
        if (session.Endpoint is { } endpoint)
        {
            // Its gateway closes the connection with KICKED_BY_ADMIN and reports the end (reason "kick") to the records.
            KickQuietly(endpoint, session.SessionId, KickReason.KickedByAdmin);
        }

        if (session.CharacterInWorld is { } characterId)
        {
            await DetachQuietlyAsync(characterId, session.SessionId);
        }

        LogKicked(logger, state.State.AccountId, session.SessionId, reason);
        return true;
    }

    public async Task<bool> Ban(BanInfo ban)
    {
        if (!Exists)
        {
            return false;
        }

        var previous = state.State.Ban;
        state.State.Ban = ban;
        try
        {
            await state.WriteThroughAsync();
        }
        catch
        {
            state.State.Ban = previous;
            throw;
        }

        LogBanned(logger, state.State.AccountId, ban.Until, ban.Reason);
        return await Kick("banned: " + ban.Reason);
    }

    public async Task<bool> Unban()
    {
        if (!Exists || ActiveBan() is null)
        {
            return false;
        }

        var previous = state.State.Ban;
        state.State.Ban = null;
        try
        {
            await state.WriteThroughAsync();
        }
        catch
        {
            state.State.Ban = previous;
            throw;
        }

        return true;
    }

    /// <summary>The ban in force now, if any (an ended ban stays stored until replaced, but no longer counts).</summary>
    private BanInfo? ActiveBan() => state.State.Ban is { } ban && ban.IsActiveAt(time.GetUtcNow()) ? ban : null;

    private SessionStart SessionStartOf(Guid sessionId, SessionEndpoint endpoint, DateTimeOffset now, bool resumed) => new(
        sessionId,
        state.State.AccountId,
        state.State.Username,
        now,
        endpoint.RemoteAddress,
        endpoint.Client?.Name ?? "",
        endpoint.Client?.Build ?? 0,
        endpoint.Client?.Platform ?? "",
        endpoint.GatewayId,
        endpoint.GatewayInstance,
        endpoint.ConnectionId,
        resumed);

    [LoggerMessage(EventId = LogEvents.AccountRoleSet, Level = LogLevel.Information, Message = "Account {AccountId} now has role {Role}")]
    private static partial void LogRoleSet(ILogger logger, Guid accountId, AccountRole role);

    [LoggerMessage(EventId = LogEvents.AccountKicked, Level = LogLevel.Information, Message = "Account {AccountId}: session {SessionId} kicked ({Reason})")]
    private static partial void LogKicked(ILogger logger, Guid accountId, Guid sessionId, string reason);

    [LoggerMessage(EventId = LogEvents.AccountBanned, Level = LogLevel.Information, Message = "Account {AccountId} banned until {Until} ({Reason})")]
    private static partial void LogBanned(ILogger logger, Guid accountId, DateTimeOffset? until, string reason);
}
