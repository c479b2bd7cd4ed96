using System.Net;
using System.Net.Http.Json;
using OrleansMmo.Client;
using OrleansMmo.Tests.Infrastructure;
using WireChannel = OrleansMmo.Protocol.Messages.ChatChannel;

namespace OrleansMmo.Tests.Security;

/// <summary>Chat lines crafted to fake what others see, and whisper floods (docs/security.md).</summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class ChatAbuseTests(FrontDoorCluster cluster)
{
    private const string AdminKey = "front-door-admin-key";

    /// <summary>Each would let a line forge another line, reverse the window's text or hide a look-alike.</summary>
    public static TheoryData<string, string> Forgeries => new()
    {
        { "line separator", "gg\u2028[System] You have been banned" },
        { "paragraph separator", "gg\u2029[System] Server restarting" },
        { "right-to-left override", "visit \u202Emoc.evil\u202C" },
        { "left-to-right embedding", "a\u202Ab" },
        { "first strong isolate", "x\u2068y\u2069" },
        { "right-to-left isolate", "x\u2067y" },
        { "right-to-left mark", "a\u200Fb" },
        { "zero-width space", "Ad\u200Bmin" },
        { "zero-width non-joiner", "Ad\u200Cmin" },
        { "zero-width joiner between letters", "Ad\u200Dmin" },
        { "word joiner", "Ad\u2060min" },
        { "byte order mark", "\uFEFFhello" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task ChatRefusesCharactersThatForgeWhatOthersSee(string what, string text)
    {
        await using var speaker = await WorldPlayer.EnterAsync(cluster, "forge");

        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => speaker.Client.SayAsync(text));

        Assert.True(refused.Code == ErrorCode.ChatMessageInvalid, $"{what}: {refused.Code}");
        // Refused lines cost no chat budget: an honest line goes out right after.
        await speaker.Client.SayAsync("plain line");
    }

    [Fact]
    public async Task EmojiSequencesJoinedByZeroWidthJoinersAreStillAllowed()
    {
        await using var speaker = await WorldPlayer.EnterAsync(cluster, "emoji");
        await using var listener = await WorldPlayer.EnterAsync(cluster, "lstn");
        await listener.WaitToSeeAsync(speaker.Name);
        const string family = "gg \U0001F468\u200D\U0001F469\u200D\U0001F467 \U0001F44D\U0001F3FD";

        await speaker.Client.SayAsync(family);

        await listener.WaitForAsync(p => p.Chat().Any(c => c.Text == family), "the emoji line");
    }

    [Fact]
    public async Task WhispersToMadeUpNamesAreBoundedByTheChatBudget()
    {
        await using var prober = await WorldPlayer.EnterAsync(cluster, "probe");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lookedUp = 0;
        var limited = 0;
        // 40 whispers to names nobody has, as fast as answered: each that passes the budget costs a name lookup.
        for (var i = 0; i < 40; i++)
        {
            var error = await Assert.ThrowsAsync<MmoErrorException>(() => prober.Client.WhisperAsync(GameCluster.UniqueName("ghost"), "hi"));
            if (error.Code == ErrorCode.PlayerNotFound)
            {
                lookedUp++;
            }
            else
            {
                Assert.Equal(ErrorCode.ChatRateLimited, error.Code);
                Assert.True(error.RetryAfter > TimeSpan.Zero);
                limited++;
            }
        }

        // World:ChatBurst 5, World:ChatPerSecond 1 (defaults): lookups are spent from the same budget as lines.
        var allowed = 5 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        Assert.True(lookedUp <= allowed, $"{lookedUp} name lookups in {clock.Elapsed.TotalSeconds:F2} s; the chat budget allows {allowed}");
        Assert.True(limited > 0);
    }

    [Fact]
    public async Task OperatorAnnouncementsRefuseTheSameCharacters()
    {
        var gateway = await cluster.StartGatewayAsync([("Admin:Key", AdminKey)]);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GameCluster.AdminPortOf(gateway)}") };
            http.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);

            foreach (var text in new[] { "Maintenance\u2028[System] give your password", "Restart in \u202E01 minutes", "Re\u200Bstart" })
            {
                var response = await http.PostAsJsonAsync("/admin/announce", new { text });
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            }

            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/admin/announce", new { text = "Restart in 10 minutes \U0001F44D" })).StatusCode);
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task TheWorldChannelCarriesNoMoreThanItsClusterWideBudgetWhateverTheNumberOfSpeakers()
    {
        // Each speaker is well within its own budget (one line); together they are over the channel's.
        await using var listener = await WorldPlayer.EnterAsync(cluster, "wlis");
        var speakers = new List<WorldPlayer>();
        try
        {
            for (var i = 0; i < FrontDoorCluster.WorldChatBurst + 2; i++)
            {
                speakers.Add(await WorldPlayer.EnterAsync(cluster, "wspk"));
            }

            var outcomes = await Task.WhenAll(speakers.Select(async speaker =>
            {
                var text = "world " + Guid.NewGuid().ToString("N")[..8];
                try
                {
                    await speaker.Client.ChatAsync(WireChannel.World, text);
                    return (Text: text, Refusal: (MmoErrorException?)null);
                }
                catch (MmoErrorException ex)
                {
                    return (Text: text, Refusal: ex);
                }
            }));

            var said = outcomes.Where(o => o.Refusal is null).Select(o => o.Text).ToList();
            var refused = outcomes.Where(o => o.Refusal is not null).ToList();
            Assert.Equal(FrontDoorCluster.WorldChatBurst, said.Count);
            Assert.All(refused, o =>
            {
                Assert.Equal(ErrorCode.ChatRateLimited, o.Refusal!.Code);
                Assert.True(o.Refusal.RetryAfter > TimeSpan.Zero, "CHAT_RATE_LIMITED without retry_after_ms");
            });

            // What was said reaches the listener; what was refused never went out.
            await listener.WaitForAsync(p => said.All(t => p.Chat().Any(c => c.Text == t)), "the lines the channel carried");
            Assert.DoesNotContain(listener.Chat(), c => refused.Any(o => o.Text == c.Text));
        }
        finally
        {
            foreach (var speaker in speakers)
            {
                await speaker.DisposeAsync();
            }
        }
    }
}
