using System.Diagnostics;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>Movement tricks a modified client tries, through a real gateway socket (docs/security.md).</summary>
[Trait("Category", "Cluster")]
public class MovementAbuseTests(FrontDoorCluster cluster) : IClassFixture<FrontDoorCluster>
{
    [Fact]
    public async Task TinyMovesGainNoDistanceBeyondTheSpeedAllowanceAndOneSlack()
    {
        await using var player = await WorldPlayer.EnterAsync(cluster, "tiny");
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
