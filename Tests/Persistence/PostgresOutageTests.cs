using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Silo.Storage;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// Tests that stop the suite's PostgreSQL server. They run alone, after every other collection,
/// because every PostgreSQL test shares that server.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DatabaseOutageCollection
{
    public const string Name = "database outage";
}

/// <summary>PostgreSQL is stopped for 20 s while grains keep changing; nothing is lost.</summary>
[Collection(DatabaseOutageCollection.Name)]
[Trait("Category", "Storage")]
[Trait("Needs", "Postgres")]
[Trait("Needs", "PostgresControl")]
public sealed class PostgresOutageTests
{
    private static readonly TimeSpan _outage = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task GrainsKeepServingWhileThePostgresServerIsDownAndEveryChangeIsWrittenWhenItReturns()
    {
        var database = new StorageOptions { PostgresConnectionString = await TestServers.CreatePostgresDatabaseAsync("outage") };
        var settings = StorageSiloFixture.Settings(database);
        settings["WriteBehind:Interval"] = "00:00:01";
        settings["WriteBehind:RetryMaxDelay"] = "00:00:01";
        settings["WriteBehind:WriteThroughTimeout"] = "00:00:02";
        var silo = await StorageTestSilo.StartAsync(settings);
        var stopped = false;
        try
        {
            var keys = Enumerable.Range(0, 16).Select(_ => $"outage:{Guid.NewGuid():N}").ToList();
            var grains = keys.Select(k => silo.Grains.GetGrain<IWriteBehindProbeGrain>(k)).ToList();
            foreach (var grain in grains)
            {
                await grain.AddGoldAsync(10);
            }

            await PostgresControlAsync("stop");
            stopped = true;
            var outageEnds = Stopwatch.GetTimestamp() + (long)(_outage.TotalSeconds * Stopwatch.Frequency);
            var moves = 0;
            var step = 0;
            while (Stopwatch.GetTimestamp() < outageEnds)
            {
                step++;
                // Movement never waits for, nor fails because of, the database.
                await Task.WhenAll(grains.Select(g => g.MoveAsync(step, -step)));
                moves += grains.Count;
                await Task.Delay(20);
            }

            // A change of value cannot be acknowledged without the database: a clear error, and it is undone.
            var refused = await Assert.ThrowsAsync<StateNotWrittenException>(() => grains[0].AddGoldAsync(5));
            Assert.False(refused.IsConflict);
            Assert.Equal(10, (await grains[0].GetAsync()).Gold);
            var during = silo.WriteBehind;
            Assert.Equal(keys.Count, during.DirtyStates);
            Assert.True(during.FailedWrites > 0, "the write-behind timer kept trying");

            await PostgresControlAsync("start");
            stopped = false;
            // This process's other pools (the test's own admin connections) hold connections the restart closed.
            NpgsqlConnection.ClearAllPools();

            await Await.Until(() => silo.WriteBehind.DirtyStates == 0, "every dirty state to be written after the database came back", TimeSpan.FromSeconds(60));
            Assert.True(moves > 1000, $"only {moves} moves were made during the outage");
            Assert.Equal(0, silo.WriteBehind.Lost);
            Assert.Equal(0, silo.WriteBehind.Conflicts);
            Assert.Contains(silo.Logs, line => line.Contains("written after", StringComparison.Ordinal));

            await silo.DisposeAsync();
            silo = await StorageTestSilo.StartAsync(settings);
            foreach (var key in keys)
            {
                var after = await silo.Grains.GetGrain<IWriteBehindProbeGrain>(key).GetAsync();
                Assert.Equal((10L, step, -step, (long)step), (after.Gold, after.X, after.Y, after.Moves));
            }
        }
        finally
        {
            if (stopped)
            {
                await PostgresControlAsync("start");
                NpgsqlConnection.ClearAllPools();
            }

            await silo.DisposeAsync();
            await TestServers.DropPostgresDatabaseAsync(database.PostgresConnectionString!);
        }
    }

    [Fact]
    public async Task PlayersMoveAndChatThroughAPostgresOutageAndNothingIsLost()
    {
        var connectionString = await TestServers.CreatePostgresDatabaseAsync("world-outage");
        var cluster = new PostgresGameCluster(connectionString);
        await cluster.InitializeAsync();
        var stopped = false;
        var players = new List<WorldPlayer>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                players.Add(await WorldPlayer.EnterAsync(cluster, "pgout"));
            }

            await PostgresControlAsync("stop");
            stopped = true;
            var outageEnds = Stopwatch.GetTimestamp() + (long)(_outage.TotalSeconds * Stopwatch.Frequency);
            using var siloAdmin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Silo)}"), Timeout = TimeSpan.FromSeconds(30) };
            using (var storageDown = await siloAdmin.GetAsync("/health/storage"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, storageDown.StatusCode);
            }

            var step = 0;
            var lines = new List<string>();
            while (Stopwatch.GetTimestamp() < outageEnds)
            {
                step++;
                // Back and forth 10 m west of the spawn: every move is accepted, none fails.
                var x = 1490f - (step % 2);
                var moves = await Task.WhenAll(players.Select(p => p.MoveAsync(x, 1500)));
                Assert.All(moves, m => Assert.True(m.Accepted));
                if (step % 15 == 0)
                {
                    var line = $"still here {step}";
                    await players[0].Client.ChatAsync(OrleansMmo.Protocol.Messages.ChatChannel.Zone, line);
                    lines.Add(line);
                }

                await Task.Delay(100);
            }

            await players[1].WaitForAsync(p => lines.All(l => p.Chat().Any(c => c.Text == l)), "every chat line of the outage");
            var lastX = 1490f - (step % 2);

            await PostgresControlAsync("start");
            stopped = false;
            NpgsqlConnection.ClearAllPools();
            var metrics = cluster.Silo.Services.GetRequiredService<WriteBehindMetrics>();
            await Await.Until(() => metrics.Totals.DirtyStates == 0, "every player's state to be written after the database came back", TimeSpan.FromSeconds(60));
            using (var storageBack = await siloAdmin.GetAsync("/health/storage"))
            {
                Assert.Equal(HttpStatusCode.OK, storageBack.StatusCode);
            }

            Assert.Equal(0, metrics.Totals.Lost);
            Assert.Equal(0, metrics.Totals.Conflicts);

            await cluster.RestartAsync();
            foreach (var player in players)
            {
                await using var again = await cluster.ConnectAsync();
                await again.LoginAsync(player.Username, WorldPlayer.Password);
                var back = await again.EnterWorldAsync(player.Entered.Character.CharacterId);
                Assert.Equal(lastX, back.Arrival.Position.X);
                Assert.Equal(player.Entered.Player.Gold, back.Player.Gold);
            }
        }
        finally
        {
            if (stopped)
            {
                await PostgresControlAsync("start");
                NpgsqlConnection.ClearAllPools();
            }

            foreach (var player in players)
            {
                await player.DisposeAsync();
            }

            await cluster.DisposeAsync();
            await TestServers.DropPostgresDatabaseAsync(connectionString);
        }
    }

    /// <summary>The game cluster on a PostgreSQL database of its own, writing behind every second.</summary>
    private sealed class PostgresGameCluster(string connectionString) : GameCluster
    {
        protected override IEnumerable<(string Key, string Value)> SiloSettings =>
        [
            ("ConnectionStrings:Postgres", connectionString),
            ("WriteBehind:Interval", "00:00:01"),
            ("WriteBehind:RetryMaxDelay", "00:00:01"),
        ];
    }

    /// <summary>Runs <c>$MMO_TEST_POSTGRES_CTL stop|start</c>, the script <c>./test.sh</c> writes for its private server.</summary>
    private static async Task PostgresControlAsync(string command)
    {
        var script = TestServers.Require(TestServers.PostgresControlVariable);
        var run = await ProgramRun.RunAsync(script, [command], TimeSpan.FromSeconds(60));
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {command} failed: {run}");
        }
    }
}
