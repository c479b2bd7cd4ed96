using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Reporting;

/// <summary>
/// The online players' latency in a window before an event (a login storm, a queue's arrivals) and in the window of
/// the event, as the players measured it and as the gateway did: the metrics both benchmarks report under one name each.
/// </summary>
public static class OnlineLatency
{
    /// <summary>The latency of <paramref name="names"/> between two cumulative snapshots.</summary>
    public static LatencySummary Between(MetricsSnapshot from, MetricsSnapshot to, string[] names) =>
        LatencyHistogram.Summarize(LatencyHistogram.Subtract(to.LatencyOf(names), from.LatencyOf(names)));

    /// <summary>
    /// <c>online{P50,P99}Ms{Before,During}</c>, <c>onlineP99Rise</c> (the goals' figure), <c>onlineRequests{Before,During}</c>
    /// and <c>gateway{P50,P99}Ms{Before,During}</c>.
    /// </summary>
    public static void Record(IDictionary<string, double> metrics, LatencySummary before, LatencySummary during, LatencySummary gatewayBefore, LatencySummary gatewayDuring)
    {
        metrics["onlineP50MsBefore"] = before.P50Ms;
        metrics["onlineP99MsBefore"] = before.P99Ms;
        metrics["onlineP50MsDuring"] = during.P50Ms;
        metrics["onlineP99MsDuring"] = during.P99Ms;
        metrics["onlineP99Rise"] = before.P99Ms <= 0 ? 0 : Math.Round(during.P99Ms / before.P99Ms - 1, 3);
        metrics["onlineRequestsBefore"] = before.Count;
        metrics["onlineRequestsDuring"] = during.Count;
        metrics["gatewayP50MsBefore"] = gatewayBefore.P50Ms;
        metrics["gatewayP99MsBefore"] = gatewayBefore.P99Ms;
        metrics["gatewayP50MsDuring"] = gatewayDuring.P50Ms;
        metrics["gatewayP99MsDuring"] = gatewayDuring.P99Ms;
    }
}

/// <summary>
/// Each server process's thread-pool delay (the benchmark host's probe, <c>mmo.bench.threadpool.delay</c>) in the window
/// before an event and in the event's: what every request waited in that process before it could run.
/// </summary>
public static class ThreadPoolDelay
{
    public const string InstrumentName = "mmo.bench.threadpool.delay";

    /// <summary>
    /// <c>{process}ThreadPoolDelayP99Ms{Before,During}</c> for each process given (its name and its three snapshots),
    /// and the line to print.
    /// </summary>
    public static string Record(IDictionary<string, double> metrics, params (string Process, MetricsSnapshot BeforeStart, MetricsSnapshot EventStart, MetricsSnapshot EventEnd)[] processes)
    {
        var parts = new List<string>();
        foreach (var (process, beforeStart, eventStart, eventEnd) in processes)
        {
            var before = OnlineLatency.Between(beforeStart, eventStart, [InstrumentName]);
            var during = OnlineLatency.Between(eventStart, eventEnd, [InstrumentName]);
            metrics[$"{process}ThreadPoolDelayP99MsBefore"] = before.P99Ms;
            metrics[$"{process}ThreadPoolDelayP99MsDuring"] = during.P99Ms;
            parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{process} {before.P99Ms:0.00} -> {during.P99Ms:0.00} ms"));
        }

        return "thread-pool delay p99: " + string.Join(", ", parts);
    }
}

/// <summary>
/// Each server process's collections (the benchmark host's probe, <c>mmo.bench.gc.pause</c>) in the window before an
/// event and in the event's: how long the process stood still in all, as a share of the window, and its longest pause.
/// When more than 1% of a window is paused, the requests that met a pause are the p99, and the pauses' length is its
/// value (docs/benchmarks, "The queue's p99 is the servers' collections").
/// </summary>
public static class GcPauses
{
    public const string InstrumentName = "mmo.bench.gc.pause";

    /// <summary>
    /// <c>{process}GcPausedPercent{Before,During}</c> and <c>{process}GcLongestPauseMs{Before,During}</c> for each process
    /// given (its name and its three snapshots), and the line to print.
    /// </summary>
    public static string Record(IDictionary<string, double> metrics, params (string Process, MetricsSnapshot BeforeStart, MetricsSnapshot EventStart, MetricsSnapshot EventEnd)[] processes)
    {
        var parts = new List<string>();
        foreach (var (process, beforeStart, eventStart, eventEnd) in processes)
        {
            var (beforePercent, beforeLongest) = Window(beforeStart, eventStart);
            var (duringPercent, duringLongest) = Window(eventStart, eventEnd);
            metrics[$"{process}GcPausedPercentBefore"] = beforePercent;
            metrics[$"{process}GcLongestPauseMsBefore"] = beforeLongest;
            metrics[$"{process}GcPausedPercentDuring"] = duringPercent;
            metrics[$"{process}GcLongestPauseMsDuring"] = duringLongest;
            parts.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{process} {beforePercent:0.00}% (longest {beforeLongest:0} ms) -> {duringPercent:0.00}% (longest {duringLongest:0} ms)"));
        }

        return "paused for collections: " + string.Join(", ", parts);
    }

    private static (double Percent, double LongestMs) Window(MetricsSnapshot from, MetricsSnapshot to)
    {
        var pauses = OnlineLatency.Between(from, to, [InstrumentName]);
        var seconds = to.ElapsedSeconds - from.ElapsedSeconds;
        var percent = seconds <= 0 ? 0 : pauses.MeanMs * pauses.Count / (seconds * 1000) * 100;
        return (Math.Round(percent, 2), pauses.Count == 0 ? 0 : pauses.MaxMs);
    }
}
