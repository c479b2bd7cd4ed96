using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// The benchmarks that measure online players before and during something (a login storm, a queue, attacks) wait
/// for all of them to be in the world first. That wait is bounded: a player that never gets in must end the run
/// with what its bots saw, not leave it hanging with nothing to read.
/// </summary>
public static class OnlineEntry
{
    /// <summary>How long the online players have to get into the world (seeded resumes take seconds).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);

    /// <summary>Why the run stopped: how many got in, how far the others got, and the errors the bots counted.</summary>
    public static string NotAllIn(MetricsSnapshot snapshot, int expected)
    {
        var errors = snapshot.Errors.Count == 0
            ? "none"
            : string.Join(", ", snapshot.Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:N0}"));
        return $"not every online player got into the world within {Bound.TotalMinutes:0} minutes: {snapshot.Counter(Counter.InWorld):N0} of {expected:N0} "
            + $"(connected {snapshot.Counter(Counter.Connected):N0}, resumed {snapshot.Counter(Counter.Resumed):N0}, logged in {snapshot.Counter(Counter.LoggedIn):N0}, "
            + $"disconnects {snapshot.Counter(Counter.Disconnects):N0}, failed connects {snapshot.Counter(Counter.ConnectFailures):N0}, "
            + $"tried again later {snapshot.Counter(Counter.RetriedLater):N0}); the bots' errors: {errors}";
    }
}
