using System.Globalization;
using System.Text;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Bots;

/// <summary>
/// Turns cumulative snapshots, one a second, into the live progress line, the timeline and the final
/// summary. Knows nothing of where snapshots come from: this process's bots or the sum of workers'.
/// </summary>
public sealed class ProgressTracker(int totalBots, TextWriter? output)
{
    public static readonly string[] PlayRequests = ["Move", "GetPlayer", "Chat", "Attack", "Respawn"];
    public static readonly string[] LoginRequests = ["Register", "Login", "ResumeSession"];

    private readonly List<TimelinePoint> _timeline = [];
    private MetricsSnapshot? _previous;
    private MetricsSnapshot? _steadyStart;
    private long _peakConnected;
    private long _peakInWorld;
    private double? _allInWorldAt;

    public IReadOnlyList<TimelinePoint> Timeline => _timeline;

    public void Observe(MetricsSnapshot now)
    {
        var previous = _previous;
        var seconds = previous is null ? now.ElapsedSeconds : now.ElapsedSeconds - previous.ElapsedSeconds;
        double Rate(Counter counter) => seconds <= 0 ? 0 : (now.Counter(counter) - (previous?.Counter(counter) ?? 0)) / seconds;

        var connected = now.Counter(Counter.Connected);
        var inWorld = now.Counter(Counter.InWorld);
        if (inWorld > _peakInWorld)
        {
            _peakInWorld = inWorld;
            // The steady window starts when the last bot arrived (or, if some never do, at the peak).
            _steadyStart = now;
        }

        _peakConnected = Math.Max(_peakConnected, connected);
        if (_allInWorldAt is null && inWorld >= totalBots && totalBots > 0)
        {
            _allInWorldAt = now.ElapsedSeconds;
            _steadyStart = now;
        }

        var play = LatencyHistogram.Summarize(LatencyHistogram.Subtract(now.LatencyOf(PlayRequests), previous?.LatencyOf(PlayRequests)));
        var login = LatencyHistogram.Summarize(LatencyHistogram.Subtract(now.LatencyOf(LoginRequests), previous?.LatencyOf(LoginRequests)));
        var errorsNow = now.Errors.Values.Sum();
        var errorsBefore = previous?.Errors.Values.Sum() ?? 0;
        var point = new TimelinePoint
        {
            Seconds = Math.Round(now.ElapsedSeconds, 1),
            Connected = connected,
            InWorld = inWorld,
            FramesOutPerSecond = Math.Round(Rate(Counter.FramesOut), 1),
            FramesInPerSecond = Math.Round(Rate(Counter.FramesIn), 1),
            EntityUpdatesPerSecond = Math.Round(Rate(Counter.EntityUpdates), 1),
            PlayP50Ms = play.P50Ms,
            PlayP99Ms = play.P99Ms,
            Errors = errorsNow - errorsBefore,
        };
        _timeline.Add(point);
        _previous = now;

        if (output is null)
        {
            return;
        }

        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"[{now.ElapsedSeconds,6:0}s] connected {connected,6:N0} | in world {inWorld,6:N0}/{totalBots:N0}");
        line.Append(CultureInfo.InvariantCulture, $" | frames/s out {point.FramesOutPerSecond,8:N0} in {point.FramesInPerSecond,8:N0}");
        if (play.Count > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $" | play p50 {play.P50Ms:0.00} p99 {play.P99Ms:0.00} ms");
        }

        if (login.Count > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $" | login p50 {login.P50Ms:0} p99 {login.P99Ms:0} ms ({login.Count / Math.Max(seconds, 0.001):0}/s)");
        }

        if (point.EntityUpdatesPerSecond > 0)
        {
            line.Append(CultureInfo.InvariantCulture, $" | entity updates/s {point.EntityUpdatesPerSecond:N0}");
        }

        if (now.Errors.Count > 0)
        {
            line.Append(" | errors ");
            line.AppendJoin(", ", now.Errors.OrderByDescending(e => e.Value).Take(6).Select(e => $"{e.Key} {e.Value:N0}"));
        }

        output.WriteLine(line.ToString());
        output.Flush();
    }

    public RunSummary Summarize(MetricsSnapshot final, RunSettingsSummary settings, DateTimeOffset startedAt)
    {
        var summary = new RunSummary
        {
            StartedAt = startedAt,
            Settings = settings,
            ElapsedSeconds = Math.Round(final.ElapsedSeconds, 2),
            PeakConnected = Math.Max(_peakConnected, final.Counter(Counter.Connected)),
            PeakInWorld = Math.Max(_peakInWorld, final.Counter(Counter.InWorld)),
            SecondsToAllInWorld = _allInWorldAt is { } at ? Math.Round(at, 2) : null,
            Counters = final.Counters,
            Errors = final.Errors,
            Refusals = final.Refusals,
            ItemLedger = final.ItemLedger,
            Timeline = _timeline,
            Final = final,
        };
        foreach (var (name, buckets) in final.Latency)
        {
            summary.Latency[name] = LatencyHistogram.Summarize(buckets);
        }

        summary.Latency["play"] = LatencyHistogram.Summarize(final.LatencyOf(PlayRequests));
        summary.Latency["login"] = LatencyHistogram.Summarize(final.LatencyOf(LoginRequests));

        var start = _steadyStart ?? final;
        var seconds = final.ElapsedSeconds - start.ElapsedSeconds;
        double Rate(Counter counter) => seconds <= 0 ? 0 : Math.Round((final.Counter(counter) - start.Counter(counter)) / seconds, 1);
        summary.Steady = new SteadyState
        {
            FromSeconds = Math.Round(start.ElapsedSeconds, 2),
            ToSeconds = Math.Round(final.ElapsedSeconds, 2),
            RequestsPerSecond = Rate(Counter.Requests),
            FramesOutPerSecond = Rate(Counter.FramesOut),
            FramesInPerSecond = Rate(Counter.FramesIn),
            MovesPerSecond = Rate(Counter.Moves),
            WorldUpdatesPerSecond = Rate(Counter.WorldUpdates),
            EntityUpdatesPerSecond = Rate(Counter.EntityUpdates),
            ChatReceivedPerSecond = Rate(Counter.ChatReceived),
            Play = LatencyHistogram.Summarize(LatencyHistogram.Subtract(final.LatencyOf(PlayRequests), start.LatencyOf(PlayRequests))),
        };
        return summary;
    }
}
