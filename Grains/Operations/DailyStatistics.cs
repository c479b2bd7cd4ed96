namespace OrleansMmo.Grains.Operations;

/// <summary>
/// Per world and UTC day, from character stays: distinct accounts that were in the world, the most
/// at once (and when), and the time spent there. A stay still open counts up to <c>now</c>.
/// Plain C#, so it is tested without a cluster.
/// </summary>
public static class DailyStatistics
{
    public static IReadOnlyList<DailyOnline> Compute(IEnumerable<WorldStay> stays, DateOnly from, DateOnly to, DateTimeOffset now)
    {
        var result = new List<DailyOnline>();
        foreach (var world in stays.GroupBy(s => s.WorldId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            for (var day = from; day <= to; day = day.AddDays(1))
            {
                var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                var end = start.AddDays(1);
                var events = new List<(DateTimeOffset At, int Delta)>();
                var accounts = new HashSet<Guid>();
                var played = TimeSpan.Zero;
                foreach (var stay in world)
                {
                    var left = stay.LeftAt ?? now;
                    var a = stay.EnteredAt > start ? stay.EnteredAt : start;
                    var b = left < end ? left : end;
                    if (b <= a && !(stay.EnteredAt >= start && stay.EnteredAt < end))
                    {
                        continue;
                    }

                    accounts.Add(stay.AccountId);
                    if (b > a)
                    {
                        played += b - a;
                        events.Add((a, +1));
                        events.Add((b, -1));
                    }
                }

                if (accounts.Count == 0)
                {
                    continue;
                }

                // Leaves before enters at the same instant: one player switching characters is not two.
                events.Sort((x, y) => x.At != y.At ? x.At.CompareTo(y.At) : x.Delta.CompareTo(y.Delta));
                int online = 0, peak = 0;
                DateTimeOffset? peakAt = null;
                foreach (var (at, delta) in events)
                {
                    online += delta;
                    if (online > peak)
                    {
                        peak = online;
                        peakAt = at;
                    }
                }

                result.Add(new DailyOnline(world.Key, day, accounts.Count, peak, peakAt, played));
            }
        }

        return result;
    }
}
