using System.Diagnostics;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Grains.World;
using OrleansMmo.Grains.World.Zones;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// c. The interest query on its own, in this process (no silo, no sockets, no machine noise from other processes):
/// N players in one crowd (everyone within <c>--clump-radius</c> of one point, so everyone is in everyone's view
/// radius), the zone's default view (60 m radius, 60 m cells, 100 places, the crowd grid's 4 m cells), every player moving a little each tick,
/// and a share of them leaving and others arriving each tick (<c>--churn</c>), which makes views be worked out again.
/// Measured: the time of one tick's <see cref="ZoneView.Compute"/> over every observer, per tick and per observer:
/// whether a tick's cost grows with players x cap or with players squared.
/// </summary>
public static class CrowdViewBenchmark
{
    public sealed record Options(IReadOnlyList<int> Players, int Ticks, double ClumpRadius, double Churn, string? Out);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var defaults = new WorldOptions();
        var result = new BenchmarkResult("crowd-view")
        {
            Parameters =
            {
                ["players"] = string.Join(",", options.Players),
                ["ticks"] = options.Ticks,
                ["clumpRadius"] = options.ClumpRadius,
                ["churnPerTick"] = options.Churn,
                ["viewRadius"] = defaults.ViewRadius,
                ["cellSize"] = defaults.CellSize,
                ["crowdCellSize"] = defaults.CrowdCellSize,
                ["maxVisible"] = defaults.MaxVisibleEntities,
            },
        };
        foreach (var players in options.Players)
        {
            foreach (var churn in options.Churn > 0 ? new[] { 0, options.Churn } : [0])
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (tickMs, perObserverUs) = Run(players, options.Ticks, (float)options.ClumpRadius, churn, defaults);
                var key = $"{(churn > 0 ? "churn" : "steady")}.{players}";
                result.Metrics[$"{key}.tickP50Ms"] = Math.Round(tickMs, 3);
                result.Metrics[$"{key}.perObserverUs"] = Math.Round(perObserverUs, 3);
                Console.WriteLine($"crowd-view: {players,6:N0} players, churn {churn:P0}/tick: tick p50 {tickMs,8:0.000} ms, {perObserverUs:0.000} µs per observer");
            }
        }

        await result.WriteAsync(options.Out);
        return 0;
    }

    private static (double TickP50Ms, double PerObserverUs) Run(int players, int ticks, float clumpRadius, double churn, WorldOptions defaults)
    {
        var view = new ZoneView(defaults.ViewRadius, defaults.CellSize, defaults.MaxVisibleEntities, defaults.CreatureViewPlaces, defaults.CrowdCellSize);
        var random = new Random(players);
        var centre = new Position(500, 500);
        uint nextId = 0;
        var everyone = new List<CrowdMember>();
        Position Somewhere()
        {
            var angle = random.NextDouble() * Math.Tau;
            var distance = clumpRadius * Math.Sqrt(random.NextDouble());
            return new Position(centre.X + (float)(distance * Math.Cos(angle)), centre.Y + (float)(distance * Math.Sin(angle)));
        }

        for (var i = 0; i < players; i++)
        {
            var member = new CrowdMember(++nextId, Somewhere());
            view.Add(member);
            everyone.Add(member);
        }

        var changes = new ViewChanges();
        var times = new List<double>();
        // The first ticks fill the views (everyone is new to everyone): not measured.
        const int fill = 5;
        for (var tick = 0; tick < fill + ticks; tick++)
        {
            foreach (var member in everyone)
            {
                // A step of under a metre, kept inside the crowd's disc.
                var to = new Position(member.Position.X + (float)(random.NextDouble() - 0.5), member.Position.Y + (float)(random.NextDouble() - 0.5));
                view.Move(member, to.DistanceSquaredTo(centre) <= clumpRadius * clumpRadius ? to : member.Position);
            }

            for (var i = 0; i < (int)(players * churn); i++)
            {
                var index = random.Next(everyone.Count);
                view.Remove(everyone[index]);
                everyone[index] = new CrowdMember(++nextId, Somewhere());
                view.Add(everyone[index]);
            }

            var started = Stopwatch.GetTimestamp();
            view.BeginTick();
            foreach (var observer in view.Observers)
            {
                view.Compute(observer, changes);
            }

            view.EndTick();
            if (tick >= fill)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        times.Sort();
        var p50 = times[times.Count / 2];
        return (p50, p50 * 1000 / players);
    }

    private sealed class CrowdMember(uint id, Position position) : ViewEntity(id, EntityKind.Player, position, observes: true)
    {
        public override void DescribeAppearance(Wire.EntityAppeared appeared) => appeared.Name = "crowd";

        public override void DescribeStatus(Wire.EntityStatus status) => status.Level = 1;
    }
}
