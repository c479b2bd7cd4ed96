using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Tests.Infrastructure;
using WireChannel = OrleansMmo.Protocol.Messages.ChatChannel;

namespace OrleansMmo.Tests.World;

/// <summary>Chat through real gateways and a real silo: who hears what, across gateways, and the limits.</summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class ChatTests(GameCluster cluster)
{
    private const float SpawnX = 1500, SpawnY = 1500;
    private const string AdminKey = "chat-tests-admin-key";

    [Fact]
    public async Task SayReachesThoseInViewAndZoneChatEveryoneInTheZone()
    {
        await using var speaker = await WorldPlayer.EnterAsync(cluster, "spk");
        await using var near = await WorldPlayer.EnterAsync(cluster, "nea");
        await using var far = await WorldPlayer.EnterAsync(cluster, "far");
        Assert.True((await far.MoveAsync(SpawnX - 100, SpawnY)).Accepted);
        await near.WaitToSeeAsync(speaker.Name);

        var said = "hello nearby " + Guid.NewGuid().ToString("N")[..6];
        var shouted = "hello zone " + Guid.NewGuid().ToString("N")[..6];
        await speaker.Client.SayAsync(said);
        await speaker.Client.ChatAsync(WireChannel.Zone, shouted);

        await near.WaitForAsync(p => p.Chat().Any(c => c.Text == shouted), "the zone line near");
        await far.WaitForAsync(p => p.Chat().Any(c => c.Text == shouted), "the zone line far away");
        var heard = Assert.Single(near.Chat(), c => c.Text == said);
        Assert.Equal(WireChannel.Say, heard.Channel);
        Assert.Equal(speaker.Name, heard.FromName);
        Assert.Equal(speaker.Entered.Character.CharacterId, heard.FromCharacterId);
        Assert.DoesNotContain(far.Chat(), c => c.Text == said);
        // The speaker hears itself say it.
        await speaker.WaitForAsync(p => p.Chat().Any(c => c.Text == said), "the speaker's own line");
    }

    [Fact]
    public async Task WorldChatReachesEveryOnlinePlayerOnEveryGatewayExactlyOnce()
    {
        var second = await StartRegisteredGatewayAsync();
        try
        {
            await using var sender = await WorldPlayer.EnterAsync(cluster, "wsend");
            await using var here = await WorldPlayer.EnterAsync(cluster, "where");
            await using var there = await WorldPlayer.EnterAsync(cluster, "wthere", GameCluster.GamePortOf(second));
            Assert.True((await there.MoveAsync(SpawnX + 20, SpawnY + 110)).Accepted);

            await SayUntilHeardAsync(sender, [there], TimeSpan.FromSeconds(2));
            var line = "to all " + Guid.NewGuid().ToString("N")[..6];
            var marker = "marker " + Guid.NewGuid().ToString("N")[..6];
            await sender.Client.ChatAsync(WireChannel.World, line);
            await sender.Client.ChatAsync(WireChannel.World, marker);

            foreach (var player in new[] { sender, here, there })
            {
                await player.WaitForAsync(p => p.Chat().Any(c => c.Text == marker), $"the marker at {player.Name}");
                var got = Assert.Single(player.Chat(), c => c.Text == line);
                Assert.Equal(WireChannel.World, got.Channel);
                Assert.Equal(sender.Name, got.FromName);
            }
        }
        finally
        {
            await cluster.StopGatewayAsync(second);
        }
    }

    [Fact]
    public async Task WorldLinesSaidTogetherReachAGatewayTogetherInOneDelivery()
    {
        var speakers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => WorldPlayer.EnterAsync(cluster, $"grp{i}")));
        try
        {
            var stats = cluster.Gateway.Services.GetRequiredService<DeliveryStats>();
            var (calls, frames) = (stats.BroadcastCalls, stats.BroadcastFrames);
            var lines = speakers.Select(s => $"together {s.Name} {Guid.NewGuid():N}").ToArray();

            // Said at once: each sender hears its line went out only once the group holding it was delivered.
            await Task.WhenAll(speakers.Select((s, i) => s.Client.ChatAsync(WireChannel.World, lines[i])));

            foreach (var speaker in speakers)
            {
                await speaker.WaitForAsync(p => lines.All(line => p.Chat().Count(c => c.Text == line) == 1), $"every line, once, at {speaker.Name}");
            }

            Assert.Equal(lines.Length, stats.BroadcastFrames - frames);
            // One delivery per line before the lines of a burst were grouped (World:WorldChatBatchWindow).
            Assert.True(stats.BroadcastCalls - calls < lines.Length, $"{stats.BroadcastCalls - calls} deliveries for {lines.Length} lines said together");
        }
        finally
        {
            foreach (var speaker in speakers)
            {
                await speaker.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AWorldLineGoesOutASliceOfConnectionsAtATimeAndAnswersGoOutBetweenTheSlices()
    {
        // Four listeners on a gateway that sends a broadcast group in four slices of one, half a second apart.
        var interval = TimeSpan.FromMilliseconds(500);
        var paced = await StartRegisteredGatewayAsync(
            ("Gateway:BroadcastSlices", "4"), ("Gateway:BroadcastMinSlice", "1"), ("Gateway:BroadcastSliceInterval", interval.ToString()));
        var listeners = new List<WorldPlayer>();
        try
        {
            await using var speaker = await WorldPlayer.EnterAsync(cluster, "pspk");
            for (var i = 0; i < 4; i++)
            {
                listeners.Add(await WorldPlayer.EnterAsync(cluster, $"plis{i}", GameCluster.GamePortOf(paced)));
            }

            await SayUntilHeardAsync(speaker, listeners, 8 * interval);

            var first = "paced first " + Guid.NewGuid().ToString("N")[..6];
            var second = "paced second " + Guid.NewGuid().ToString("N")[..6];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var heard = listeners.Select(async l =>
            {
                await l.WaitForAsync(p => p.Chat().Any(c => c.Text == first), $"the first line at {l.Name}");
                return clock.Elapsed;
            }).ToArray();
            await speaker.Client.ChatAsync(WireChannel.World, first);

            // As soon as the first slice has the line, every listener asks something: the later slices' answers
            // come back before their line does, instead of waiting behind a send to every connection.
            await Task.WhenAny(heard);
            var answered = listeners.Select(async l =>
            {
                await l.Client.PingAsync();
                return clock.Elapsed;
            }).ToArray();
            var heardAt = await Task.WhenAll(heard);
            var answeredAt = await Task.WhenAll(answered);

            Assert.True(heardAt.Max() - heardAt.Min() >= 2 * interval,
                $"the line reached the four listeners within {(heardAt.Max() - heardAt.Min()).TotalMilliseconds:F0} ms: not paced");
            var last = Array.IndexOf(heardAt, heardAt.Max());
            Assert.True(answeredAt[last] < heardAt[last],
                $"the last slice's listener was answered at {answeredAt[last].TotalMilliseconds:F0} ms, after its line at {heardAt[last].TotalMilliseconds:F0} ms");

            // A group said next waits for the one before it to reach everyone: every listener hears them in order, once.
            await speaker.Client.ChatAsync(WireChannel.World, second);
            foreach (var listener in listeners)
            {
                await listener.WaitForAsync(p => p.Chat().Any(c => c.Text == second), $"the second line at {listener.Name}");
                var lines = listener.Chat().Select(c => c.Text).ToList();
                Assert.Single(lines, line => line == first);
                Assert.Single(lines, line => line == second);
                Assert.True(lines.IndexOf(first) < lines.IndexOf(second), $"{listener.Name} heard the second line first");
            }
        }
        finally
        {
            foreach (var listener in listeners)
            {
                await listener.DisposeAsync();
            }

            await cluster.StopGatewayAsync(paced);
        }
    }

    [Fact]
    public async Task AWhisperFindsItsReceiverByNameOnAnotherGatewayWhateverTheCase()
    {
        var second = await StartRegisteredGatewayAsync();
        try
        {
            await using var from = await WorldPlayer.EnterAsync(cluster, "wfrom");
            await using var to = await WorldPlayer.EnterAsync(cluster, "wto", GameCluster.GamePortOf(second));

            await from.Client.WhisperAsync(to.Name.ToUpperInvariant(), "psst");

            await to.WaitForAsync(p => p.Chat().Any(c => c.Text == "psst"), "the whisper");
            var whisper = Assert.Single(to.Chat(), c => c.Text == "psst");
            Assert.Equal(WireChannel.Whisper, whisper.Channel);
            Assert.Equal(from.Name, whisper.FromName);
            Assert.Equal(to.Name, whisper.ToName);
        }
        finally
        {
            await cluster.StopGatewayAsync(second);
        }
    }

    [Fact]
    public async Task AWhisperToAnUnknownOrOfflineNameGetsAClearError()
    {
        await using var from = await WorldPlayer.EnterAsync(cluster, "lone");
        var unknown = await Assert.ThrowsAsync<MmoErrorException>(() => from.Client.WhisperAsync("nobody" + Guid.NewGuid().ToString("N")[..8], "hello?"));
        Assert.Equal(ErrorCode.PlayerNotFound, unknown.Code);

        var (resting, _, _) = await cluster.LoggedInClientAsync("rest");
        await using var _ = resting;
        var offlineName = "Off" + Guid.NewGuid().ToString("N")[..8];
        await resting.CreateCharacterAsync(offlineName);
        var offline = await Assert.ThrowsAsync<MmoErrorException>(() => from.Client.WhisperAsync(offlineName, "are you there?"));
        Assert.Equal(ErrorCode.PlayerOffline, offline.Code);
    }

    [Fact]
    public async Task ChatFloodIsLimitedPerPlayer()
    {
        await using var p = await WorldPlayer.EnterAsync(cluster, "flood");
        var refused = 0;
        MmoErrorException? last = null;
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await p.Client.ChatAsync(WireChannel.Zone, $"spam {i}");
            }
            catch (MmoErrorException ex) when (ex.Code == ErrorCode.ChatRateLimited)
            {
                refused++;
                last = ex;
            }
        }

        // Burst of 5 at 1 per second: the rest of 10 quick lines are refused, with a time to wait.
        Assert.InRange(refused, 4, 5);
        Assert.True(last!.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public async Task BadChatIsRefusedWithAClearError()
    {
        await using var p = await WorldPlayer.EnterAsync(cluster, "badc");
        foreach (var text in new[] { "", "   ", new string('x', 257), "line\nbreak", "bell\a" })
        {
            var error = await Assert.ThrowsAsync<MmoErrorException>(() => p.Client.ChatAsync(WireChannel.Zone, text));
            Assert.Equal(ErrorCode.ChatMessageInvalid, error.Code);
        }

        var system = await Assert.ThrowsAsync<MmoErrorException>(() => p.Client.ChatAsync(WireChannel.System, "I am the admin"));
        Assert.Equal(ErrorCode.ChatChannelInvalid, system.Code);
        var unknown = await Assert.ThrowsAsync<MmoErrorException>(() => p.Client.ChatAsync((WireChannel)42, "?"));
        Assert.Equal(ErrorCode.ChatChannelInvalid, unknown.Code);
    }

    [Fact]
    public async Task ChatLengthCountsCharactersNotUtf16Units()
    {
        await using var p = await WorldPlayer.EnterAsync(cluster, "clen");
        // 256 emoji from outside the BMP: 512 UTF-16 units, 256 characters, the limit.
        await p.Client.ChatAsync(WireChannel.Say, string.Concat(Enumerable.Repeat("\U0001F600", 256)));
        var tooLong = await Assert.ThrowsAsync<MmoErrorException>(() => p.Client.ChatAsync(WireChannel.Say, string.Concat(Enumerable.Repeat("\U0001F600", 257))));
        Assert.Equal(ErrorCode.ChatMessageInvalid, tooLong.Code);
    }

    [Fact]
    public async Task AnAnnouncementFromTheAdminEndpointReachesEveryone()
    {
        var gateway = await StartRegisteredGatewayAsync();
        try
        {
            await using var a = await WorldPlayer.EnterAsync(cluster, "anna");
            await using var b = await WorldPlayer.EnterAsync(cluster, "annb", GameCluster.GamePortOf(gateway));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(gateway)}") };
            http.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);

            // The world chat grain asks the registry for the gateways at most once a second, so a gateway that joined
            // within that second can miss a line (WorldChatGrain.GatewayListAge): announced again until one reaches
            // the new gateway's player, every announcement must reach the first gateway's.
            var texts = new List<string>();
            await Await.Until(async () =>
            {
                var text = "Server restarts in 10 minutes " + Guid.NewGuid().ToString("N")[..4];
                texts.Add(text);
                var response = await http.PostAsJsonAsync("/admin/announce", new { text });
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
                await a.WaitForAsync(p => p.Chat().Any(c => c.Text == text), $"the announcement at {a.Name}");
                return b.Chat().Any(c => c.Text == text);
            }, $"an announcement to reach {b.Name} on the new gateway", interval: TimeSpan.FromMilliseconds(500));
            Assert.True(texts.Count <= 10, $"{texts.Count} announcements before one reached the new gateway");
            Assert.Equal(WireChannel.System, b.Chat().Single(c => c.Text == texts[^1]).Channel);
            Assert.All(texts, text => Assert.Equal(WireChannel.System, a.Chat().Single(c => c.Text == text).Channel));
            Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/admin/announce", new { text = "" })).StatusCode);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    /// <summary>
    /// The world chat grain asks the registry for the gateways at most once a second (WorldChatGrain.GatewayListAge),
    /// so a line said within a second of a gateway joining can miss it: a probe is said again until every listener
    /// has it, and the lines a test looks at come after that.
    /// </summary>
    private static async Task SayUntilHeardAsync(WorldPlayer speaker, IReadOnlyList<WorldPlayer> listeners, TimeSpan perTry)
    {
        await Await.Until(async () =>
        {
            var probe = "probe " + Guid.NewGuid().ToString("N")[..6];
            await speaker.Client.ChatAsync(WireChannel.World, probe);
            try
            {
                foreach (var listener in listeners)
                {
                    await listener.WaitForAsync(p => p.Chat().Any(c => c.Text == probe), $"the probe at {listener.Name}", perTry);
                }

                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, $"a world line to reach {string.Join(", ", listeners.Select(l => l.Name))}");
    }

    /// <summary>Another gateway (own Orleans client, own observer), awaited until the registry lists it.</summary>
    private async Task<WebApplication> StartRegisteredGatewayAsync(params (string Key, string Value)[] extra)
    {
        var gateway = await cluster.StartGatewayAsync([("Gateway:RegistryHeartbeatInterval", "00:00:00.2"), ("Admin:Key", AdminKey), .. extra]);
        var grains = gateway.Services.GetRequiredService<IGrainFactory>();
        var id = gateway.Services.GetRequiredService<OrleansMmo.Gateway.Sessions.GatewayIdentity>().GatewayId;
        await Await.Until(async () => (await grains.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive()).Any(g => g.GatewayId == id),
            "the new gateway in the registry");
        return gateway;
    }
}
