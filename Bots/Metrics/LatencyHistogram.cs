using System.Numerics;

namespace OrleansMmo.Bots.Metrics;

/// <summary>
/// Latencies in microseconds, in log-linear buckets: exact below 128 µs, then 64 buckets per power of
/// two (at most 1.6% error), up to about 19 hours. Recording is one interlocked increment, so any number
/// of bots record into one histogram without a lock. Buckets, not samples, so histograms from several
/// processes add up exactly and percentiles of the sum are right.
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearLimit = 128;
    private const int SubBuckets = 64;
    private const int MaxExponent = 36;
    public const int BucketCount = LinearLimit + (MaxExponent - 7 + 1) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    public void Record(TimeSpan elapsed) => RecordMicroseconds((long)(elapsed.Ticks / 10));

    public void RecordMicroseconds(long microseconds) =>
        Interlocked.Increment(ref _counts[IndexOf(microseconds)]);

    /// <summary>Adds sparse buckets, as <see cref="ToSparse"/> wrote them.</summary>
    public void Add(IReadOnlyDictionary<int, long> sparse)
    {
        foreach (var (index, count) in sparse)
        {
            if (index is >= 0 and < BucketCount)
            {
                Interlocked.Add(ref _counts[index], count);
            }
        }
    }

    /// <summary>Non-empty buckets by index: compact enough to send once a second from each worker process.</summary>
    public Dictionary<int, long> ToSparse()
    {
        var sparse = new Dictionary<int, long>();
        for (var i = 0; i < BucketCount; i++)
        {
            var count = Volatile.Read(ref _counts[i]);
            if (count != 0)
            {
                sparse[i] = count;
            }
        }

        return sparse;
    }

    public static int IndexOf(long microseconds)
    {
        if (microseconds < LinearLimit)
        {
            return microseconds < 0 ? 0 : (int)microseconds;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)microseconds);
        if (exponent > MaxExponent)
        {
            return BucketCount - 1;
        }

        var shift = exponent - 6;
        var mantissa = (int)(microseconds >> shift);
        return LinearLimit + (exponent - 7) * SubBuckets + (mantissa - SubBuckets);
    }

    /// <summary>The middle of a bucket, in microseconds.</summary>
    public static double ValueOf(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var exponent = (index - LinearLimit) / SubBuckets + 7;
        var mantissa = (index - LinearLimit) % SubBuckets + SubBuckets;
        var shift = exponent - 6;
        return ((long)mantissa << shift) + ((1L << shift) / 2.0);
    }

    /// <summary>Count, mean and percentiles of sparse buckets (cumulative, or the difference of two snapshots).</summary>
    public static LatencySummary Summarize(IReadOnlyDictionary<int, long> sparse)
    {
        long total = 0;
        double sum = 0;
        var ordered = sparse.Where(b => b.Value > 0).OrderBy(b => b.Key).ToList();
        foreach (var (index, count) in ordered)
        {
            total += count;
            sum += ValueOf(index) * count;
        }

        if (total == 0)
        {
            return LatencySummary.Empty;
        }

        double Percentile(double p)
        {
            var rank = (long)Math.Ceiling(p / 100 * total);
            long seen = 0;
            foreach (var (index, count) in ordered)
            {
                seen += count;
                if (seen >= rank)
                {
                    return ValueOf(index) / 1000;
                }
            }

            return ValueOf(ordered[^1].Key) / 1000;
        }

        return new LatencySummary(
            total,
            Math.Round(sum / total / 1000, 3),
            Math.Round(Percentile(50), 3),
            Math.Round(Percentile(90), 3),
            Math.Round(Percentile(99), 3),
            Math.Round(Percentile(99.9), 3),
            Math.Round(ValueOf(ordered[^1].Key) / 1000, 3));
    }

    /// <summary>Buckets of <paramref name="now"/> minus <paramref name="before"/>: what was recorded in between.</summary>
    public static Dictionary<int, long> Subtract(IReadOnlyDictionary<int, long> now, IReadOnlyDictionary<int, long>? before)
    {
        var difference = new Dictionary<int, long>(now.Count);
        foreach (var (index, count) in now)
        {
            var delta = count - (before is not null && before.TryGetValue(index, out var earlier) ? earlier : 0);
            if (delta > 0)
            {
                difference[index] = delta;
            }
        }

        return difference;
    }

    /// <summary>Sum of several sparse histograms.</summary>
    public static Dictionary<int, long> Merge(IEnumerable<IReadOnlyDictionary<int, long>> histograms)
    {
        var merged = new Dictionary<int, long>();
        foreach (var histogram in histograms)
        {
            foreach (var (index, count) in histogram)
            {
                merged[index] = merged.GetValueOrDefault(index) + count;
            }
        }

        return merged;
    }
}

/// <summary>Latency statistics in milliseconds.</summary>
public sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);
}
