using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansMmo.Tests.Cluster;

/// <summary>
/// Plays through haproxy on the native cluster and kills its processes. Each test leaves the cluster
/// usable for the other, in either order: one silo and one gateway always survive.
/// </summary>
[Collection(NativeClusterCollection.Name)]
[Trait("Category", "Native")]
[Trait("Needs", "NativeCluster")]
public class FailoverTests(NativeCluster cluster, ITestOutputHelper output)
{
    private const string Password = "correct horse battery";

    private static readonly string[] SiloAdminPorts = ["SILO1_ADMIN_PORT", "SILO2_ADMIN_PORT"];

    /// <summary>The acceptance bound on how long play may stall after a silo dies.</summary>
    private static readonly TimeSpan MaxStall = TimeSpan.FromSeconds(5);

    [Fact]
    public void TheDashboardOfASiloShowsBothSilos()
    {
        var hosts = cluster.DashboardAtStart.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(2, hosts.Count(h => h.GetProperty("status").GetString() == "Active"));
        var ports = hosts.Select(h => h.GetProperty("siloAddress").GetString()!).ToList();
        Assert.Contains(ports, a => a.StartsWith($"127.0.0.1:{cluster.Port("SILO1_PORT")}@", StringComparison.Ordinal));
        Assert.Contains(ports, a => a.StartsWith($"127.0.0.1:{cluster.Port("SILO2_PORT")}@", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlayGoesOnThroughTheGatewayWhenASiloIsKilled()
    {
        const int players = 8;
        var clients = new List<(MmoClient Client, EnterWorldResponse Entered)>();
        try
        {
            for (var i = 0; i < players; i++)
            {
                clients.Add(await EnterWorldAsync("silo"));
            }

            // Kill the silo holding most of these players' grains, so the kill hits play.
            var victim = await SiloHostingMostPlayersAsync(players);
            output.WriteLine($"killing {victim}");

            using var stop = new CancellationTokenSource();
            var records = clients.Select(_ => new PlayRecord()).ToList();
            var loops = clients.Select((c, i) => PlayAsync(c.Client, c.Entered.Arrival.Position, records[i], stop.Token)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var killedAt = Stopwatch.GetTimestamp();
            await cluster.KillAsync(victim);

            // Play on until every player has been served for a while after the kill.
            try
            {
                await Await.Until(() => records.All(r => r.Ended || r.LastSuccessAfter(killedAt) > TimeSpan.FromSeconds(2)),
                    "every player to be served again after the silo kill", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
            }
            finally
            {
                await stop.CancelAsync();
                output.WriteLine(string.Join('\n', records.Select((r, i) =>
                    $"player {i} on {clients[i].Client.Hello!.GatewayId}: {r.Successes} ok, last {r.LastSuccessAfter(killedAt).TotalSeconds:0.0} s after the kill, " +
                    $"slow (sent after kill s, latency s): {string.Join(" ", r.Slow.Select(x => $"{Stopwatch.GetElapsedTime(killedAt, x.Sent).TotalSeconds:0.00}/{(x.Latency == TimeSpan.MaxValue ? "fail" : x.Latency.TotalSeconds.ToString("0.00"))}"))} " +
                    $"failures: {string.Join("; ", r.Failures.Take(3))}")));
            }

            await Task.WhenAll(loops);

            var stall = records.Max(r => r.LongestGap);
            output.WriteLine($"silo kill: longest stall {stall.TotalMilliseconds:0} ms over {players} players; " +
                $"{records.Sum(r => r.Successes)} requests, {records.Sum(r => r.Failures.Count)} failed");
            Assert.All(records, r => Assert.Empty(r.Failures));
            Assert.True(stall < MaxStall, $"play stalled {stall.TotalSeconds:0.0} s after the silo kill (bound {MaxStall.TotalSeconds} s)");

            // Every character is still in its zone, whether its grains lived on or came back from storage.
            foreach (var (client, entered) in clients)
            {
                var player = await client.GetPlayerAsync();
                Assert.Equal(entered.Character.CharacterId, player.CharacterId);
                Assert.Equal(entered.Arrival.Zone.ZoneId, player.ZoneId);
            }

            // Play time stays exact through the failover: each session is one unbroken record, and a
            // disconnect after it ends the record when the connection closed, whichever silo the account lives on now.
            var (leaving, leavingEntered) = clients[0];
            var closedAt = DateTimeOffset.UtcNow;
            await leaving.DisposeAsync();
            var record = await SessionRecordAsync(leavingEntered.Character.Name, r => r.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("disconnect", record.GetProperty("endReason").GetString());
            Assert.InRange(record.GetProperty("endedAt").GetDateTimeOffset(), closedAt.AddMilliseconds(-100), closedAt.AddSeconds(2));

            // The gateway registry came back on the surviving silo, refilled by heartbeats.
            var gatewayId = clients[0].Client.Hello!.GatewayId;
            using var admin = cluster.AdminClient(gatewayId == "gateway1" ? "GATEWAY1_ADMIN_PORT" : "GATEWAY2_ADMIN_PORT");
            await Await.Until(async () =>
            {
                var live = await admin.GetFromJsonAsync<JsonElement>("/admin/gateways");
                return live.EnumerateArray().Any(g => g.GetProperty("gatewayId").GetString() == gatewayId);
            }, "the gateway to be back in the registry after the silo kill", TimeSpan.FromSeconds(20));
        }
        finally
        {
            foreach (var (client, _) in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task APlayerOfAKilledGatewayResumesThroughTheLoadBalancerWithoutAPassword()
    {
        // Both gateway processes are up here (this test is the one that kills one): chat crosses them first.
        await ChatCrossesGatewayProcessesAsync();

        var (client, entered) = await EnterWorldAsync("gw");
        var characterId = entered.Character.CharacterId;
        // Walk a few steps first, so "the same position" is not just the spawn point.
        var spawn = entered.Arrival.Position;
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // the server accepts at most 7 m/s
        var moved = await client.MoveAsync(spawn.X + 1, spawn.Y + 0.5f);
        Assert.True(moved.Accepted);
        var before = await client.GetPlayerAsync();
        var killedGateway = client.Hello!.GatewayId;
        Assert.True(killedGateway is "gateway1" or "gateway2", killedGateway);
        var ticket = client.CurrentTicket!.Token;

        var killedAt = Stopwatch.GetTimestamp();
        var killedWall = DateTimeOffset.UtcNow;
        await cluster.KillAsync(killedGateway);
        // The gateway may still heartbeat while the kill is on its way (the process tree is looked up first): its last
        // heartbeat is before the process was gone, not necessarily before the kill began.
        var goneWall = DateTimeOffset.UtcNow;
        var lost = await Await.Within(client.Disconnected, "the connection to the killed gateway to drop");
        Assert.True(lost.Kind is DisconnectKind.ClosedByServer or DisconnectKind.TransportError, lost.ToString());

        // Through haproxy again (the client's original endpoint): it routes around the dead gateway.
        var (resumed, session) = await client.ReconnectAsync();
        output.WriteLine($"gateway kill: resumed on {resumed.Hello!.GatewayId} {Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds:0} ms after the kill");
        await client.DisposeAsync();
        await using var _ = resumed;
        Assert.NotEqual(killedGateway, resumed.Hello!.GatewayId);
        Assert.Equal(characterId, session.LastCharacterId);
        Assert.NotEqual(ticket, session.Ticket.Token);
        var back = await resumed.EnterWorldAsync(session.LastCharacterId!);
        Assert.Equal(characterId, back.Character.CharacterId);
        // Same zone, same spot: the player grain lived on; only the gateway died.
        Assert.Equal(before.ZoneId, back.Player.ZoneId);
        Assert.Equal(before.Position, back.Player.Position);
        Assert.Equal(before.Position, back.Arrival.Position);

        // The dead gateway's session is closed at its last heartbeat (2 s apart), not left open or closed late. The
        // resume above may come before the gateway is known dead and end it as "replaced" first; the sweep then
        // moves that end back to the heartbeat, so wait for the sweep's verdict.
        var lostSession = await SessionRecordAsync(entered.Character.Name,
            r => r.GetProperty("start").GetProperty("gatewayId").GetString() == killedGateway
                && r.GetProperty("endReason").ValueKind == JsonValueKind.String && r.GetProperty("endReason").GetString() == "gateway_lost");
        Assert.InRange(lostSession.GetProperty("endedAt").GetDateTimeOffset(), killedWall.AddSeconds(-3), goneWall.AddMilliseconds(100));

        // The dead gateway drops out of the registry; logins stop listing it.
        await Await.Until(async () =>
        {
            await using var probe = await cluster.ConnectThroughLoadBalancerAsync();
            var username = GameCluster.UniqueName("probe");
            await probe.RegisterAsync(username, Password);
            var login = await probe.LoginAsync(username, Password);
            return login.Gateways.Count > 0 && login.Gateways.All(g => g.GatewayId != killedGateway);
        }, "the killed gateway to leave the registry", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// The newest session of the character's account that satisfies <paramref name="done"/>, from the operator
    /// API of whichever silo is alive (the other may have been killed by the other test).
    /// </summary>
    private async Task<JsonElement> SessionRecordAsync(string characterName, Func<JsonElement, bool> done)
    {
        JsonElement found = default;
        await Await.Until(async () =>
        {
            foreach (var silo in SiloAdminPorts)
            {
                try
                {
                    using var api = cluster.AdminClient(silo);
                    var lookup = await api.GetFromJsonAsync<JsonElement>($"/api/characters/emerald/{characterName}");
                    foreach (var session in lookup.GetProperty("value").GetProperty("recentSessions").EnumerateArray())
                    {
                        if (done(session))
                        {
                            found = session;
                            return true;
                        }
                    }

                    return false;
                }
                catch (HttpRequestException)
                {
                    // That silo is the dead one: ask the other.
                }
            }

            return false;
        }, $"the session record of {characterName}", TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(500));
        return found;
    }

    /// <summary>A whisper and a world line between players on two gateway processes, over two silos.</summary>
    private async Task ChatCrossesGatewayProcessesAsync()
    {
        var (one, oneEntered) = await EnterWorldAsync("chat1", cluster.Port("GATEWAY1_PORT"));
        await using var _ = one;
        var (two, twoEntered) = await EnterWorldAsync("chat2", cluster.Port("GATEWAY2_PORT"));
        await using var __ = two;
        Assert.Equal("gateway1", one.Hello!.GatewayId);
        Assert.Equal("gateway2", two.Hello!.GatewayId);

        var whisper = "psst " + Guid.NewGuid().ToString("N")[..6];
        await one.WhisperAsync(twoEntered.Character.Name.ToLowerInvariant(), whisper);
        var heard = await NextChatAsync(two, whisper);
        Assert.Equal(ChatChannel.Whisper, heard.Channel);
        Assert.Equal(oneEntered.Character.Name, heard.FromName);

        // World chat: the registry lists both gateways, each pushes to its own players once.
        var line = "hello world " + Guid.NewGuid().ToString("N")[..6];
        await Await.Until(async () =>
        {
            await two.ChatAsync(ChatChannel.World, line);
            return await Task.WhenAll(NextChatAsync(one, line, TimeSpan.FromSeconds(2)), NextChatAsync(two, line, TimeSpan.FromSeconds(2)))
                .ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
        }, "a world line to reach both gateways' players", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Reads pushes until a chat line with <paramref name="text"/>.</summary>
    private static async Task<ChatMessage> NextChatAsync(MmoClient client, string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        await foreach (var push in client.ReadPushesAsync(cts.Token))
        {
            if (push.Message is ChatMessage chat && chat.Text == text)
            {
                return chat;
            }
        }

        throw new TimeoutException($"no chat line '{text}'");
    }

    private async Task<(MmoClient Client, EnterWorldResponse Entered)> EnterWorldAsync(string prefix, int? gatewayPort = null)
    {
        var client = gatewayPort is { } port
            ? await MmoClient.ConnectAsync("127.0.0.1", port, new MmoClientOptions { ClientName = "cluster-tests", PushFullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest })
            : await cluster.ConnectThroughLoadBalancerAsync();
        var username = GameCluster.UniqueName(prefix);
        await client.RegisterAsync(username, Password);
        await client.LoginAsync(username, Password);
        var character = await client.CreateCharacterAsync("C" + Guid.NewGuid().ToString("N")[..10]);
        return (client, await client.EnterWorldAsync(character.CharacterId));
    }

    /// <summary>The silo (silo1 or silo2) with the most player, zone and account grain activations, from a dashboard.</summary>
    private async Task<string> SiloHostingMostPlayersAsync(int atLeast)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var bySilo = new Dictionary<string, int>();
        // The dashboard collects grain statistics every few seconds.
        await Await.Until(async () =>
        {
            var counters = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{cluster.Port("SILO1_ADMIN_PORT")}/dashboard/DashboardCounters");
            bySilo = counters.GetProperty("simpleGrainStats").EnumerateArray()
                .Where(s => s.GetProperty("grainType").GetString() is { } type
                    && (type.EndsWith(".PlayerGrain", StringComparison.Ordinal) || type.EndsWith(".ZoneGrain", StringComparison.Ordinal) || type.EndsWith(".AccountGrain", StringComparison.Ordinal)))
                .GroupBy(s => s.GetProperty("siloAddress").GetString()!)
                .ToDictionary(g => g.Key, g => g.Sum(s => s.GetProperty("activationCount").GetInt32()));
            return bySilo.Values.Sum() >= atLeast;
        }, "the dashboard to count the players' grains", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));

        var busiest = bySilo.MaxBy(kv => kv.Value).Key;
        output.WriteLine("player, zone and account grains per silo: " + string.Join(", ", bySilo.Select(kv => $"{kv.Key}={kv.Value}")));
        return busiest.StartsWith($"127.0.0.1:{cluster.Port("SILO1_PORT")}@", StringComparison.Ordinal) ? "silo1" : "silo2";
    }

    /// <summary>
    /// One player's play: a step every 50 ms (back and forth, 4 m/s), as a game client sends input, without
    /// waiting for the previous answer (at most 8 outstanding, under the gateway's in-flight limit). Each
    /// goes through the player grain to the zone grain.
    /// </summary>
    private static async Task PlayAsync(MmoClient client, Vec2 spawn, PlayRecord record, CancellationToken stop)
    {
        var step = 0;
        using var outstanding = new SemaphoreSlim(8);
        var requests = new List<Task>();
        while (!stop.IsCancellationRequested && !record.Ended)
        {
            await outstanding.WaitAsync(CancellationToken.None);
            requests.Add(OneRequestAsync(spawn.X + (step++ % 2 == 0 ? 0.2f : 0f), spawn.Y));
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(requests);

        async Task OneRequestAsync(float x, float y)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                // Accepted or corrected, an answer is play going on. Not cancelled by the stop: a request
                // in flight finishes and is counted.
                await client.MoveAsync(x, y, CancellationToken.None);
                record.Succeeded(sent, Stopwatch.GetTimestamp());
            }
            catch (Exception ex) when (ex is MmoErrorException or TimeoutException or MmoDisconnectedException)
            {
                record.Failed(sent, ex.Message);
                if (ex is MmoDisconnectedException)
                {
                    record.Ended = true;
                }
            }
            finally
            {
                outstanding.Release();
            }
        }
    }

    private sealed class PlayRecord
    {
        private readonly Lock _lock = new();
        private long _last;

        public volatile bool Ended;

        public List<string> Failures { get; } = [];

        public List<(long Sent, TimeSpan Latency)> Slow { get; } = [];

        public int Successes { get; private set; }

        /// <summary>The longest time without any answer: how long the player saw the game freeze.</summary>
        public TimeSpan LongestGap { get; private set; }

        public void Succeeded(long sent, long answered)
        {
            lock (_lock)
            {
                if (_last != 0 && answered > _last)
                {
                    var gap = Stopwatch.GetElapsedTime(_last, answered);
                    if (gap > LongestGap)
                    {
                        LongestGap = gap;
                    }
                }

                if (Stopwatch.GetElapsedTime(sent, answered) > TimeSpan.FromMilliseconds(300))
                {
                    Slow.Add((sent, Stopwatch.GetElapsedTime(sent, answered)));
                }

                Successes++;
                _last = Math.Max(_last, answered);
            }
        }

        public void Failed(long sent, string why)
        {
            lock (_lock)
            {
                Failures.Add(why);
                Slow.Add((sent, TimeSpan.MaxValue));
            }
        }

        /// <summary>How long after <paramref name="timestamp"/> the last answer came, or zero.</summary>
        public TimeSpan LastSuccessAfter(long timestamp)
        {
            lock (_lock)
            {
                return _last > timestamp ? Stopwatch.GetElapsedTime(timestamp, _last) : TimeSpan.Zero;
            }
        }
    }
}
