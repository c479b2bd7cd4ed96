using System.Diagnostics;
using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>Movement tricks a modified client tries, through a real gateway socket (docs/security.md).</summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class MovementAbuseTests(FrontDoorCluster cluster)
{
    [Fact]
    public async Task TinyMovesGainNoDistanceBeyondTheSpeedAllowanceAndOneSlack()
    {
        // A gateway of its own without the per-connection move cap, so the player grain's check alone is tried. Its
        // request budget is raised too: entering takes six requests and the test sends 200 moves, over the default
        // burst of 200 whenever the whole test runs within the 60 ms the refill needs (a quiet machine, test hashing).
        var gateway = await cluster.StartGatewayAsync(
        [
            ("Gateway:MovesPerSecond", "1000"), ("Gateway:MoveBurst", "1000"),
            ("Gateway:RequestsPerSecond", "1000"), ("Gateway:RequestBurst", "1000"),
        ]);
        try
        {
            await TryTinyMovesAsync(GameCluster.GamePortOf(gateway));
        }
        finally
        {
            await cluster.StopGatewayAsync(gateway);
        }
    }

    [Fact]
    public async Task MovesOverTheConnectionsMoveRateAreAnsweredMoveRateLimitedAndReachNoGrain()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "flood");
        var here = player.Entered.Arrival.Position;
        const int moves = 100;
        var clock = Stopwatch.StartNew();
        // One burst, well inside the general request budget (burst 200) and the in-flight limit (32 at a time).
        var answered = 0;
        var limited = new List<MmoErrorException>();
        for (var batch = 0; batch < moves; batch += 25)
        {
            var sent = Enumerable.Range(0, 25).Select(_ => player.Client.MoveAsync(here.X, here.Y)).ToList();
            foreach (var move in sent)
            {
                try
                {
                    await move;
                    answered++;
                }
                catch (MmoErrorException ex) when (ex.Code == ErrorCode.MoveRateLimited)
                {
                    limited.Add(ex);
                }
            }
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        // Defaults: burst 20, then 20/s.
        var allowed = 20 + (int)Math.Ceiling(20 * elapsed);
        Assert.True(answered <= allowed, $"{answered} of {moves} moves in {elapsed:F2} s reached the player grain; the cap allows {allowed}");
        Assert.Equal(moves, answered + limited.Count);
        Assert.All(limited, ex => Assert.True(ex.RetryAfter > TimeSpan.Zero, "MOVE_RATE_LIMITED without retry_after_ms"));
        // The connection stays usable, and a move after the wait it was told is answered again.
        await Task.Delay(limited[^1].RetryAfter!.Value + TimeSpan.FromMilliseconds(100));
        Assert.True((await player.Client.MoveAsync(here.X, here.Y)).Accepted);
    }

    [Fact]
    public async Task PortalPingPongChangesZoneAtMostOncePerCooldown()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "pong");
        // Started before the move is sent: the server stamps the change while handling it, so this clock never starts
        // later than the server's (started after the answer, it lagged by the answer's trip, and a second change the
        // server made 2 s after its stamp measured 1.99 s here on a loaded machine).
        var changedAt = Stopwatch.StartNew();
        var first = await player.MoveAsync(50.5f, 50); // into east's portal: to the west
        Assert.Equal("west", first.ZoneChanged?.Zone.ZoneId);

        // Straight back into west's portal, half a metre away: within the cooldown it is only ground.
        var back = await player.MoveAsync(50.5f, 50);
        Assert.True(back.Accepted);
        Assert.Null(back.ZoneChanged);
        Assert.Equal("west", (await player.Client.GetPlayerAsync()).ZoneId);

        // Stepping out and in again until the portal takes it: not before the cooldown (2 s by default) has passed.
        var inside = false;
        MoveResponse? again = null;
        await Await.Until(async () =>
        {
            inside = !inside;
            again = await player.MoveAsync(inside ? 50.5f : 50.2f, 50);
            return again.ZoneChanged is not null;
        }, "the west portal to take the character once its cooldown passed", interval: TimeSpan.FromMilliseconds(100));
        Assert.Equal("east", again!.ZoneChanged.Zone.ZoneId);
        Assert.True(changedAt.Elapsed >= TimeSpan.FromSeconds(2), $"the second zone change came {changedAt.Elapsed.TotalSeconds:F2} s after the first");
    }

    private async Task TryTinyMovesAsync(int port)
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "tiny", port);
        var start = player.Entered.Arrival.Position;
        const int moves = 200;
        const float step = 0.06f; // just over the slack: a per-move grant made each cost 0.01 m
        var furthest = 0f;
        var accepted = 0;
        var clock = Stopwatch.StartNew();
        // Pipelined ten at a time: ~100 moves a second, as a client pushing its luck would send them.
        for (var batch = 0; batch < moves; batch += 10)
        {
            var sent = Enumerable.Range(batch, 10)
                .Select(i => player.Client.MoveAsync(start.X - (step * (i + 1)), start.Y))
                .ToList();
            foreach (var response in await Task.WhenAll(sent))
            {
                if (response.Accepted)
                {
                    accepted++;
                    furthest = Math.Max(furthest, start.X - response.Position.X);
                }
            }
        }

        var elapsed = (float)clock.Elapsed.TotalSeconds;
        // Capacity (one second's allowance) + the allowance for the time taken + one slack; a little for float rounding.
        var bound = FrontDoorCluster.SpeedAllowance + (FrontDoorCluster.SpeedAllowance * elapsed) + FrontDoorCluster.MoveSlack + 0.01f;
        Assert.True(accepted > 0, "no move was accepted at all");
        Assert.True(furthest <= bound, $"{accepted} of {moves} tiny moves covered {furthest:F2} m in {elapsed:F2} s; the most allowed is {bound:F2} m");
    }
}
