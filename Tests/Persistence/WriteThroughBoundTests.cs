using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansMmo.Client;
using OrleansMmo.Grains;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Grains.World;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// A real silo and gateway on PostgreSQL whose write-throughs give up after 1.5 s, with two background write slots
/// (so a test fills them with two held rows) and four write-through slots of their own.
/// </summary>
public sealed class PostgresWriteThroughCluster : GameCluster, IAsyncLifetime
{
    private string? _connectionString;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("not started");

    public static readonly TimeSpan WriteThroughTimeout = TimeSpan.FromSeconds(1.5);

    public const int BackgroundSlots = 2;

    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
    [
        ("ConnectionStrings:Postgres", ConnectionString),
        ("WriteBehind:Interval", "00:00:00.200"),
        ("WriteBehind:WriteThroughTimeout", WriteThroughTimeout.ToString()),
        ("WriteBehind:MaxConcurrentWrites", BackgroundSlots.ToString()),
        ("WriteBehind:MaxConcurrentWriteThroughs", "4"),
    ];

    // Every test here registers from 127.0.0.1.
    protected override IEnumerable<(string Key, string Value)> GatewaySettings =>
    [
        ("Gateway:RegistrationsPerAddressPerMinute", "600"),
        ("Gateway:RegistrationBurstPerAddress", "100"),
    ];

    public WriteBehindTotals WriteBehind => Silo.Services.GetRequiredService<WriteBehindMetrics>().Totals;

    public new async Task InitializeAsync()
    {
        _connectionString = await TestServers.CreatePostgresDatabaseAsync("write_through");
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connectionString is not null)
        {
            await TestServers.DropPostgresDatabaseAsync(_connectionString);
        }
    }
}

/// <summary>
/// Write-through under a database that does not answer (docs/persistence.md, "When a write-through gives up"): rows
/// held by a test transaction (<c>SELECT ... FOR UPDATE</c>), writes waiting on them seen in <c>pg_stat_activity</c>.
/// A write-through never waits behind other grains' background writes, answers BUSY with a retry hint within its
/// bound, and what ends up stored is what the client was told.
/// </summary>
[Trait("Category", "Storage")]
[Trait("Needs", "Postgres")]
public sealed class WriteThroughBoundTests(PostgresWriteThroughCluster cluster) : IClassFixture<PostgresWriteThroughCluster>
{
    // Far above the 1.5 s bound (a loaded machine), far below "waits until the lock goes".
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task BackgroundWritesStuckBehindTheDatabaseNeverHoldBackARegisterOrALogin()
    {
        var players = new List<WorldPlayer>();
        try
        {
            for (var i = 0; i < PostgresWriteThroughCluster.BackgroundSlots + 1; i++)
            {
                players.Add(await WorldPlayer.EnterAsync(cluster, "bgw"));
            }

            await using var db = await OpenAsync();
            await using (var hold = await db.BeginTransactionAsync())
            {
                await LockRowsAsync(db, hold, "player", [.. players.Select(p => PlayerGrainId(p))]);
                // Each moves: its background write goes for the held row; two fill the background pool, the third waits for a slot.
                foreach (var player in players)
                {
                    await player.Client.MoveAsync(player.Entered.Arrival.Position.X + 1, player.Entered.Arrival.Position.Y);
                }

                await AwaitWritesWaitingOnLocksAsync(PostgresWriteThroughCluster.BackgroundSlots, "the players' background writes to fill the background pool");

                // A new account and a login are written through, each while every background slot is taken.
                var started = Stopwatch.GetTimestamp();
                await using var client = await cluster.ConnectAsync();
                var username = GameCluster.UniqueName("wtl");
                await Await.Within(client.RegisterAsync(username, WorldPlayer.Password), "a Register while the background pool is full", Prompt);
                await Await.Within(client.LoginAsync(username, WorldPlayer.Password), "a Login while the background pool is full", Prompt);
                Assert.True(Stopwatch.GetElapsedTime(started) < Prompt);
                Assert.Equal(PostgresWriteThroughCluster.BackgroundSlots, await WritesWaitingOnLocksAsync());
                await hold.RollbackAsync();
            }

            // Released, the background writes go through: the moves are stored.
            foreach (var player in players)
            {
                await Await.Until(async () => (await StoredPlayerAsync(player)).Position.X == player.Entered.Arrival.Position.X + 1,
                    $"the move of {player.Name} to be stored once the rows are free", TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            foreach (var player in players)
            {
                await player.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ADropWhoseRowIsHeldAnswersBusyWithinItsBoundAndIsNotStoredWhenTheDatabaseCommitsItLate()
    {
        await using var p = await WorldPlayer.EnterAsync(cluster, "drp");
        Assert.Equal(5, Bread(await StoredPlayerAsync(p)));
        var abandonedBefore = cluster.WriteBehind.AbandonedWritesStored;
        var timeoutsBefore = cluster.WriteBehind.WriteThroughTimeouts;

        await using var db = await OpenAsync();
        await using (var hold = await db.BeginTransactionAsync())
        {
            await LockRowsAsync(db, hold, "player", PlayerGrainId(p));
            var started = Stopwatch.GetTimestamp();
            var refused = await Await.Within(
                Assert.ThrowsAsync<MmoErrorException>(() => p.Client.DropItemAsync("bread", 2)),
                "DropItem to give up on the held row", Prompt);
            var took = Stopwatch.GetElapsedTime(started);

            Assert.Equal(ErrorCode.Busy, refused.Code);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
            Assert.True(took >= PostgresWriteThroughCluster.WriteThroughTimeout - TimeSpan.FromMilliseconds(100), $"answered after {took}, before its bound");
            Assert.True(cluster.WriteBehind.WriteThroughTimeouts > timeoutsBefore);
            // The drop's storage call is still waiting on the row: abandoned, not cancelled.
            Assert.Equal(1, await WritesWaitingOnLocksAsync());
            // Undone in memory: the client was told nothing changed.
            Assert.Equal(5u, Count(await p.Client.GetInventoryAsync(), "bread"));
            await hold.RollbackAsync();
        }

        // The abandoned write (3 bread) commits as soon as the row is free; the state in memory is written over it.
        await Await.Until(() => Task.FromResult(cluster.WriteBehind.AbandonedWritesStored > abandonedBefore),
            "the abandoned drop to commit late once the row is free", TimeSpan.FromSeconds(30));
        await Await.Until(async () => Bread(await StoredPlayerAsync(p)) == 5,
            "the undone drop to be written over the late commit", TimeSpan.FromSeconds(30));

        // The player's next change is stored, on top of the undo.
        Assert.Equal(4u, Count(await p.Client.DropItemAsync("bread", 1), "bread"));
        var stored = await StoredPlayerAsync(p);
        Assert.Equal(4, Bread(stored));
        Assert.Equal(100, stored.Gold);
        var held = await cluster.Silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IPlayerGrain>(CharacterId(p)).GetHoldings();
        Assert.Equal(4, held.Items.Where(s => s.ItemId == "bread").Sum(s => s.Count));
    }

    [Fact]
    public async Task ALoginWhoseAccountRowIsHeldAnswersBusyWithinItsBoundAndWorksOnceTheRowIsFree()
    {
        var (first, username, password) = await cluster.LoggedInClientAsync("wtb");
        await first.DisposeAsync();
        var accountGrainId = $"account/{AccountKeys.ForUsername(username)}";

        await using var client = await cluster.ConnectAsync();
        await using var db = await OpenAsync();
        await using (var hold = await db.BeginTransactionAsync())
        {
            await LockRowsAsync(db, hold, "account", accountGrainId);
            var refused = await Await.Within(
                Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(username, password)),
                "Login to give up on the held account row", Prompt);
            Assert.Equal(ErrorCode.Busy, refused.Code);
            Assert.NotNull(refused.RetryAfter);
            Assert.Equal(1, await WritesWaitingOnLocksAsync());
            await hold.RollbackAsync();
        }

        // The retry the client was told to make succeeds.
        await Await.Until(async () => await WritesWaitingOnLocksAsync() == 0, "the abandoned login write to finish", TimeSpan.FromSeconds(30));
        var login = await Await.Within(client.LoginAsync(username, password), "the repeated Login", Prompt);
        Assert.NotNull(login.Ticket);
        Assert.Empty(await client.ListCharactersAsync());
    }

    [Fact]
    public async Task ARegisterWhoseInsertIsHeldAnswersBusyAndItsRepeatFindsTheNameFreeAfterTheLateCommit()
    {
        var username = GameCluster.UniqueName("wtr");
        var accountGrainId = $"account/{AccountKeys.ForUsername(username)}";
        var abandonedBefore = cluster.WriteBehind.AbandonedWritesStored;
        await using var client = await cluster.ConnectAsync();
        await using var db = await OpenAsync();
        await using (var hold = await db.BeginTransactionAsync())
        {
            // A row of the same key inserted and not committed: the Register's insert waits on it.
            await using (var insert = new NpgsqlCommand(
                "INSERT INTO GrainState (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1, PayloadBinary, Version) " +
                "SELECT ServiceId, 'account', @g, 0, 0, NULL, 1 FROM GrainState LIMIT 1", db, hold))
            {
                insert.Parameters.AddWithValue("g", accountGrainId);
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }

            var refused = await Await.Within(
                Assert.ThrowsAsync<MmoErrorException>(() => client.RegisterAsync(username, WorldPlayer.Password)),
                "Register to give up on the held insert", Prompt);
            Assert.Equal(ErrorCode.Busy, refused.Code);
            Assert.Equal(1, await WritesWaitingOnLocksAsync());
            await hold.RollbackAsync();
        }

        // The abandoned insert of the account commits once the key is free; the undo (no account) is written over it.
        await Await.Until(() => Task.FromResult(cluster.WriteBehind.AbandonedWritesStored > abandonedBefore),
            "the abandoned Register to commit late", TimeSpan.FromSeconds(30));
        await Await.Until(async () => await StoredAccountAsync(username) is { RecordExists: true, State.AccountId: var id } && id == Guid.Empty,
            "the account the client never heard of to be undone in storage", TimeSpan.FromSeconds(30));

        // The repeat the client was told to make registers the name, and the account logs in.
        await Await.Within(client.RegisterAsync(username, WorldPlayer.Password), "the repeated Register", Prompt);
        await client.LoginAsync(username, WorldPlayer.Password);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static Guid CharacterId(WorldPlayer p) => Guid.Parse(p.Entered.Player.CharacterId);

    private static string PlayerGrainId(WorldPlayer p) => GrainId.Create(GrainType.Create("player"), GrainIdKeyExtensions.CreateGuidKey(CharacterId(p))).ToString();

    private static int Bread(PlayerState state) => state.Inventory.Where(s => s.ItemId == "bread").Sum(s => s.Count);

    private static uint Count(Inventory inventory, string itemId) => (uint)inventory.Items.Where(s => s.ItemId == itemId).Sum(s => s.Count);

    private async Task<PlayerState> StoredPlayerAsync(WorldPlayer p)
    {
        var storage = cluster.Silo.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StorageNames.Game);
        var state = new GrainState<PlayerState>(new PlayerState());
        await storage.ReadStateAsync("player", GrainId.Create(GrainType.Create("player"), GrainIdKeyExtensions.CreateGuidKey(CharacterId(p))), state);
        return state.State ?? throw new InvalidOperationException($"no stored state for {p.Name}");
    }

    private async Task<GrainState<AccountState>> StoredAccountAsync(string username)
    {
        var storage = cluster.Silo.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StorageNames.Game);
        var state = new GrainState<AccountState>(new AccountState());
        await storage.ReadStateAsync("account", GrainId.Create("account", AccountKeys.ForUsername(username)), state);
        return state;
    }

    private static async Task LockRowsAsync(NpgsqlConnection db, NpgsqlTransaction hold, string stateName, params string[] grainIds)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM (SELECT 1 FROM GrainState WHERE StateName = @s AND GrainId = ANY(@g) FOR UPDATE) held", db, hold);
        command.Parameters.AddWithValue("s", stateName);
        command.Parameters.AddWithValue("g", grainIds);
        Assert.Equal((long)grainIds.Length, await command.ExecuteScalarAsync());
    }

    private async Task<int> WritesWaitingOnLocksAsync()
    {
        await using var watcher = new NpgsqlConnection(cluster.ConnectionString);
        await watcher.OpenAsync();
        await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", watcher);
        return (int)(long)(await waiting.ExecuteScalarAsync())!;
    }

    private Task AwaitWritesWaitingOnLocksAsync(int count, string what) =>
        Await.Until(async () => await WritesWaitingOnLocksAsync() >= count, what, TimeSpan.FromSeconds(30));
}
