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
    public sealed record Options(IReadOnlyList<int> Players, int Ticks, double ClumpRadius, double Churn, string? Out, bool Spread = false);

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
                ["spread"] = options.Spread,
            },
        };
        if (options.Spread)
        {
            foreach (var players in options.Players)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var spread = RunSpread(players, options.Ticks, defaults);
                var key = $"spread.{players}";
                result.Metrics[$"{key}.tickP50Ms"] = Math.Round(spread.TickP50Ms, 3);
                result.Metrics[$"{key}.tickP99Ms"] = Math.Round(spread.TickP99Ms, 3);
                result.Metrics[$"{key}.tickCpuP50Ms"] = Math.Round(spread.CpuP50Ms, 3);
                result.Metrics[$"{key}.tickCpuP99Ms"] = Math.Round(spread.CpuP99Ms, 3);
                result.Metrics[$"{key}.cpuPerObserverUs"] = Math.Round(spread.CpuP50Ms * 1000 / players, 3);
                result.Metrics[$"{key}.allocatedBytesPerTick"] = spread.AllocatedBytesPerTick;
                result.Metrics[$"{key}.leavesPerPlayerPerSecond"] = Math.Round(spread.LeavesPerPlayerPerSecond, 2);
                result.Metrics[$"{key}.viewSize"] = Math.Round(spread.ViewSize, 1);
                Console.WriteLine($"crowd-view: {players,6:N0} players spread, walking: tick p50 / p99 {spread.TickP50Ms:0.000} / {spread.TickP99Ms:0.000} ms, " +
                    $"its CPU {spread.CpuP50Ms:0.000} / {spread.CpuP99Ms:0.000} ms ({spread.CpuP50Ms * 1000 / players:0.000} µs per observer), {spread.AllocatedBytesPerTick:N0} B allocated per tick, " +
                    $"view {spread.ViewSize:0.0}, {spread.LeavesPerPlayerPerSecond:0.00} leaves per player per second");
            }

            await result.WriteAsync(options.Out);
            return 0;
        }

        foreach (var players in options.Players)
        {
            foreach (var churn in options.Churn > 0 ? new[] { 0, options.Churn } : [0])
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (tickMs, perObserverUs, cpuMs) = Run(players, options.Ticks, (float)options.ClumpRadius, churn, defaults);
                var key = $"{(churn > 0 ? "churn" : "steady")}.{players}";
                result.Metrics[$"{key}.tickP50Ms"] = Math.Round(tickMs, 3);
                result.Metrics[$"{key}.perObserverUs"] = Math.Round(perObserverUs, 3);
                result.Metrics[$"{key}.tickCpuP50Ms"] = Math.Round(cpuMs, 3);
                Console.WriteLine($"crowd-view: {players,6:N0} players, churn {churn:P0}/tick: tick p50 {tickMs,8:0.000} ms, {perObserverUs:0.000} µs per observer, its CPU p50 {cpuMs:0.000} ms");
            }
        }

        await result.WriteAsync(options.Out);
        return 0;
    }

    private static (double TickP50Ms, double PerObserverUs, double CpuP50Ms) Run(int players, int ticks, float clumpRadius, double churn, WorldOptions defaults)
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
        List<double> times = [], cpuTimes = [];
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

            var cpuStarted = ThreadCpuClock.Now();
            var started = Stopwatch.GetTimestamp();
            view.BeginTick();
            foreach (var observer in view.Observers)
            {
                view.Compute(observer, changes);
            }

            view.EndTick();
            var cpu = ThreadCpuClock.MillisecondsBetween(cpuStarted, ThreadCpuClock.Now());
            if (tick >= fill)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                cpuTimes.Add(cpu ?? double.NaN);
            }
        }

        times.Sort();
        cpuTimes.Sort();
        var p50 = times[times.Count / 2];
        return (p50, p50 * 1000 / players, cpuTimes[cpuTimes.Count / 2]);
    }

    /// <summary>
    /// The fan-out benchmark's spread case without its servers: <paramref name="players"/> walking between random
    /// waypoints over the meadow (1,000 m square) at the raw driver's 5.6 m/s, one step per 100 ms tick, beside the
    /// meadow's 34 creatures standing at their spawn points. Views here are not full (~20-50 players in range), so
    /// every view that lost or gained someone is worked out again: the load the tick carries at 20,000 moves/s.
    /// </summary>
    private static (double TickP50Ms, double TickP99Ms, double CpuP50Ms, double CpuP99Ms, long AllocatedBytesPerTick, double LeavesPerPlayerPerSecond, double ViewSize) RunSpread(
        int players, int ticks, WorldOptions defaults)
    {
        const float size = 1000, step = 7.0f * 0.8f * 0.1f;
        var view = new ZoneView(defaults.ViewRadius, defaults.CellSize, defaults.MaxVisibleEntities, defaults.CreatureViewPlaces, defaults.CrowdCellSize);
        var random = new Random(players);
        uint nextId = 0;
        Position Anywhere() => new((float)(random.NextDouble() * size), (float)(random.NextDouble() * size));
        (float X, float Y, int Count)[] spawns = [(560, 540, 8), (420, 450, 6), (700, 650, 6), (300, 750, 5), (750, 300, 5), (250, 250, 4)];
        foreach (var (x, y, count) in spawns)
        {
            for (var i = 0; i < count; i++)
            {
                view.Add(new CrowdMember(++nextId, new Position(x + (i * 3) - 10, y + (i % 3 * 4) - 4), EntityKind.Creature));
            }
        }

        var walkers = new List<(CrowdMember Member, Position To)>();
        for (var i = 0; i < players; i++)
        {
            var member = new CrowdMember(++nextId, Anywhere());
            view.Add(member);
            walkers.Add((member, Anywhere()));
        }

        var changes = new ViewChanges();
        List<double> times = [], cpuTimes = [];
        long allocated = 0, leaves = 0, viewSizes = 0;
        // The first minute of walking is not measured: the views fill, and the random-waypoint walk gathers players towards
        // the middle of the zone as the fan-out run's walk has by its measured window.
        const int fill = 600;
        for (var tick = 0; tick < fill + ticks; tick++)
        {
            for (var i = 0; i < walkers.Count; i++)
            {
                var (member, to) = walkers[i];
                var dx = to.X - member.Position.X;
                var dy = to.Y - member.Position.Y;
                var distance = MathF.Sqrt((dx * dx) + (dy * dy));
                if (distance <= step)
                {
                    view.Move(member, to);
                    walkers[i] = (member, Anywhere());
                }
                else
                {
                    view.Move(member, new Position(member.Position.X + (dx / distance * step), member.Position.Y + (dy / distance * step)));
                }
            }

            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var cpuStarted = ThreadCpuClock.Now();
            var started = Stopwatch.GetTimestamp();
            view.BeginTick();
            long tickLeaves = 0, tickViews = 0;
            foreach (var observer in view.Observers)
            {
                view.Compute(observer, changes);
                tickLeaves += changes.Left.Count;
                tickViews += changes.Entered.Count + changes.Updated.Count;
            }

            view.EndTick();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var cpu = ThreadCpuClock.MillisecondsBetween(cpuStarted, ThreadCpuClock.Now());
            if (tick >= fill)
            {
                times.Add(elapsed);
                if (cpu is { } ms)
                {
                    cpuTimes.Add(ms);
                }

                allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                leaves += tickLeaves;
                viewSizes += tickViews;
            }
        }

        times.Sort();
        cpuTimes.Sort();
        double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];
        return (Percentile(times, 0.5), Percentile(times, 0.99), Percentile(cpuTimes, 0.5), Percentile(cpuTimes, 0.99), allocated / ticks,
            leaves * 10.0 / ticks / players, (double)viewSizes / ticks / players);
    }

    private sealed class CrowdMember(uint id, Position position, EntityKind kind = EntityKind.Player)
        : ViewEntity(id, kind, position, observes: kind == EntityKind.Player)
    {
        public override void DescribeAppearance(Wire.EntityAppeared appeared) => appeared.Name = "crowd";

        public override void DescribeStatus(Wire.EntityStatus status) => status.Level = 1;
    }
}
