using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// The operational records (audit log, play sessions, gateway sightings) on a real database of each
/// engine: the SQLite and PostgreSQL classes below run every test.
/// </summary>
public abstract class OperationsStoreBehaviour<TFixture>(TFixture fixture)
    where TFixture : StorageSiloFixture
{
    private IOperationsStore Store => fixture.Silo.Services.GetRequiredService<IOperationsStore>();

    [Fact]
    public async Task AuditEntriesAreWrittenPendingCompletedAndFoundByTargetOperatorActionTimeAndPage()
    {
        var target = "account:" + Guid.NewGuid().ToString("N");
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Store.AppendAuditAsync(new AuditEntry(0, t0.AddMinutes(i), i % 2 == 0 ? "key:a" : "account:gm", AccountRole.GameMaster,
                i % 2 == 0 ? OperatorChannel.Api : OperatorChannel.Game, "10.0.0.1", i < 3 ? "kick" : "ban", target, $"n={i}", "pending")));
        }

        await Store.CompleteAuditAsync(ids[4], "ok");

        var all = await Store.QueryAuditAsync(new AuditQuery(Target: target));
        Assert.Equal(ids.AsEnumerable().Reverse(), all.Select(e => e.Id));
        Assert.Equal(("ok", "pending"), (all[0].Result, all[1].Result));
        Assert.Equal((t0.AddMinutes(4), OperatorChannel.Api, AccountRole.GameMaster, "n=4"), (all[0].At, all[0].Channel, all[0].Role, all[0].Details));
        Assert.Equal(3, (await Store.QueryAuditAsync(new AuditQuery(Target: target, Operator: "key:a"))).Count);
        Assert.Equal(2, (await Store.QueryAuditAsync(new AuditQuery(Target: target, Action: "ban"))).Count);
        Assert.Equal([ids[2], ids[1]], (await Store.QueryAuditAsync(new AuditQuery(Target: target, From: t0.AddMinutes(1), To: t0.AddMinutes(3)))).Select(e => e.Id));
        var page = await Store.QueryAuditAsync(new AuditQuery(Target: target, Limit: 2, BeforeId: ids[3]));
        Assert.Equal([ids[2], ids[1]], page.Select(e => e.Id));
    }

    [Fact]
    public async Task ASessionIsOpenedOnceAndClosedOnceWithItsStaysAndPlayTimeCountsTheOpenOneUpToNow()
    {
        var accountId = Guid.NewGuid();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds());
        var first = Start(accountId, t0, "gw-instance-a");
        await Store.StartSessionAsync(first);
        await Store.StartSessionAsync(first with { StartedAt = t0.AddHours(-5) }); // a retry changes nothing
        await Store.EnterWorldAsync(first.SessionId, accountId, "alpha", Guid.NewGuid(), "Hero", t0.AddMinutes(1));
        await Store.EnterWorldAsync(first.SessionId, accountId, "beta", Guid.NewGuid(), "Alt", t0.AddMinutes(5));
        await Store.EndSessionAsync(first.SessionId, t0.AddMinutes(10), SessionEndReason.Logout);
        await Store.EndSessionAsync(first.SessionId, t0.AddMinutes(50), SessionEndReason.Disconnect); // too late: already closed

        var second = Start(accountId, t0.AddMinutes(20), "gw-instance-a");
        await Store.StartSessionAsync(second);
        var now = t0.AddMinutes(30);

        var sessions = await Store.SessionsOfAccountAsync(accountId, 10);
        Assert.Equal([second.SessionId, first.SessionId], sessions.Select(s => s.Start.SessionId));
        Assert.Equal((t0.AddMinutes(10), "logout"), (sessions[1].EndedAt, sessions[1].EndReason));
        Assert.Equal(t0, sessions[1].Start.StartedAt);
        Assert.Equal(["Hero", "Alt"], sessions[1].Characters.Select(c => c.CharacterName));
        Assert.Equal([t0.AddMinutes(5), t0.AddMinutes(10)], sessions[1].Characters.Select(c => c.LeftAt!.Value));
        var playTime = await Store.PlayTimeAsync(accountId, now);
        Assert.Equal((TimeSpan.FromMinutes(20), 2, true), (playTime.Total, playTime.Sessions, playTime.Online));
    }

    [Fact]
    public async Task WhoIsOnlineComesFromOpenStaysOfOpenSessionsAndADeadGatewaysSessionsCloseAtOnce()
    {
        var instance = "gw-" + Guid.NewGuid().ToString("N");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds());
        var sessions = new List<SessionStart>();
        for (var i = 0; i < 3; i++)
        {
            var session = Start(Guid.NewGuid(), t0, instance);
            sessions.Add(session);
            await Store.StartSessionAsync(session);
            await Store.EnterWorldAsync(session.SessionId, session.AccountId, "world-" + tag, Guid.NewGuid(), $"On{tag}{i}", t0.AddMinutes(1));
        }

        await Store.LeaveWorldAsync(sessions[2].SessionId, t0.AddMinutes(2));

        var online = await Store.OnlineAsync("world-" + tag, null, 0, 10);
        Assert.Equal(2, online.Total);
        Assert.Equal([$"On{tag}0", $"On{tag}1"], online.Players.Select(p => p.CharacterName));
        Assert.Single((await Store.OnlineAsync(null, $"on{tag}1", 0, 10)).Players);
        Assert.Equal([$"On{tag}1"], (await Store.OnlineAsync("world-" + tag, null, 1, 1)).Players.Select(p => p.CharacterName));
        Assert.Contains(instance, await Store.GatewaysWithOpenSessionsAsync());

        await Store.RecordGatewaysSeenAsync([new GatewaySeen(instance, "gw", t0.AddMinutes(4))]);
        await Store.RecordGatewaysSeenAsync([new GatewaySeen(instance, "gw", t0.AddMinutes(3))]); // an older sighting never wins
        var lastSeen = await Store.GatewayLastSeenAsync(instance);
        Assert.Equal(t0.AddMinutes(4), lastSeen);
        Assert.Equal(3, await Store.EndSessionsOfGatewayAsync(instance, lastSeen!.Value));

        Assert.Equal(0, (await Store.OnlineAsync("world-" + tag, null, 0, 10)).Total);
        Assert.DoesNotContain(instance, await Store.GatewaysWithOpenSessionsAsync());
        var record = (await Store.SessionsOfAccountAsync(sessions[0].AccountId, 1))[0];
        Assert.Equal((t0.AddMinutes(4), "gateway_lost"), (record.EndedAt, record.EndReason));
        Assert.Equal(t0.AddMinutes(4), record.Characters[0].LeftAt);
        var stays = await Store.StaysAsync(t0, t0.AddMinutes(10), "world-" + tag, 100);
        Assert.Equal(3, stays.Count);
    }

    /// <summary>
    /// A player of a gateway that died resumed elsewhere before the gateway was known dead: the session ended as
    /// "replaced" at the resume. The sweep puts its end where it really was, the gateway's last heartbeat, so play
    /// time does not count the time in between; a session replaced before that heartbeat keeps its own end.
    /// </summary>
    [Fact]
    public async Task TheSweepOfALostGatewayMovesALaterReplacedEndBackToTheLastHeartbeat()
    {
        var instance = "gw-" + Guid.NewGuid().ToString("N");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds());
        var resumedLater = Start(Guid.NewGuid(), t0, instance);
        var replacedBefore = Start(Guid.NewGuid(), t0, instance);
        foreach (var (session, i) in new[] { (resumedLater, 0), (replacedBefore, 1) })
        {
            await Store.StartSessionAsync(session);
            await Store.EnterWorldAsync(session.SessionId, session.AccountId, "world-" + tag, Guid.NewGuid(), $"Re{tag}{i}", t0.AddMinutes(1));
        }

        await Store.LeaveWorldAsync(resumedLater.SessionId, t0.AddMinutes(5));
        await Store.EndSessionAsync(resumedLater.SessionId, t0.AddMinutes(5), SessionEndReason.Replaced);
        await Store.LeaveWorldAsync(replacedBefore.SessionId, t0.AddMinutes(2));
        await Store.EndSessionAsync(replacedBefore.SessionId, t0.AddMinutes(2), SessionEndReason.Replaced);

        Assert.Equal(1, await Store.EndSessionsOfGatewayAsync(instance, t0.AddMinutes(4)));

        var moved = (await Store.SessionsOfAccountAsync(resumedLater.AccountId, 1))[0];
        Assert.Equal((t0.AddMinutes(4), "gateway_lost"), (moved.EndedAt, moved.EndReason));
        Assert.Equal(t0.AddMinutes(4), moved.Characters[0].LeftAt);
        var kept = (await Store.SessionsOfAccountAsync(replacedBefore.AccountId, 1))[0];
        Assert.Equal((t0.AddMinutes(2), "replaced"), (kept.EndedAt, kept.EndReason));
        Assert.Equal(t0.AddMinutes(2), kept.Characters[0].LeftAt);
    }

    private static SessionStart Start(Guid accountId, DateTimeOffset at, string instance) =>
        new(Guid.NewGuid(), accountId, "user", at, "192.0.2.7", "client", 7, "windows", "gw", instance, 12, Resumed: false);
}

[Trait("Category", "Storage")]
public sealed class SqliteOperationsStoreTests(SqliteStorageSiloFixture fixture)
    : OperationsStoreBehaviour<SqliteStorageSiloFixture>(fixture), IClassFixture<SqliteStorageSiloFixture>;

[Trait("Category", "Storage")]
[Trait("Needs", "Postgres")]
public sealed class PostgresOperationsStoreTests(PostgresStorageSiloFixture fixture)
    : OperationsStoreBehaviour<PostgresStorageSiloFixture>(fixture), IClassFixture<PostgresStorageSiloFixture>;
