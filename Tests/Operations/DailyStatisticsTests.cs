using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Tests.Operations;

[Trait("Category", "Unit")]
public class DailyStatisticsTests
{
    private static readonly DateOnly Day = new(2025, 3, 14);
    private static readonly DateTimeOffset Midnight = new(2025, 3, 14, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void DistinctPlayersPeakAndTimeAreCountedPerWorldAndDayWithStaysCutAtMidnight()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        WorldStay[] stays =
        [
            // Since the evening before, until 01:00: counts one hour on the 14th.
            new("emerald", a, Midnight.AddHours(-2), Midnight.AddHours(1)),
            new("emerald", b, Midnight.AddHours(0.5), Midnight.AddHours(2)),
            // a again, later: one account, not two.
            new("emerald", a, Midnight.AddHours(1.5), Midnight.AddHours(3)),
            // b switches to another character at 02:00 sharp: the leave counts before the enter.
            new("emerald", b, Midnight.AddHours(2), Midnight.AddHours(2.5)),
            new("ruby", c, Midnight.AddHours(23), null),
        ];

        var stats = DailyStatistics.Compute(stays, Day, Day.AddDays(1), now: Midnight.AddHours(30));

        var emerald = Assert.Single(stats, s => s.WorldId == "emerald");
        Assert.Equal((Day, 2, 2), (emerald.Day, emerald.Accounts, emerald.Peak));
        Assert.Equal(Midnight.AddHours(0.5), emerald.PeakAt);
        Assert.Equal(TimeSpan.FromHours(1 + 1.5 + 1.5 + 0.5), emerald.PlayTime);
        var ruby = stats.Where(s => s.WorldId == "ruby").ToList();
        Assert.Equal([(Day, TimeSpan.FromHours(1)), (Day.AddDays(1), TimeSpan.FromHours(6))], ruby.Select(s => (s.Day, s.PlayTime)));
        Assert.All(ruby, s => Assert.Equal((1, 1), (s.Accounts, s.Peak)));
    }
}
