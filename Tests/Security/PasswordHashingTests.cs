using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Security;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// The password hasher on its own (docs/security.md, "Password hashing and login storms"): hashes run on dedicated threads
/// the kernel schedules below gameplay, stay correct, and a saturated hasher tells refused clients to come back later
/// the longer the saturation lasts, each at a different time. Linux only, like the servers' CI: priorities are read
/// from /proc.
/// </summary>
[Trait("Category", "Unit")]
public class PasswordHashingTests
{
    private const int SchedIdle = 5;

    private static PasswordHasher NewHasher(Action<PasswordHashingOptions>? configure = null)
    {
        var options = new PasswordHashingOptions { Iterations = 100_000, MaxConcurrent = 2 };
        configure?.Invoke(options);
        Assert.True(new PasswordHashingOptionsValidator().Validate(null, options).Succeeded, "the test's options are valid");
        return new PasswordHasher(Options.Create(options), NullLogger<PasswordHasher>.Instance, TimeProvider.System);
    }

    [Fact]
    public async Task HashesRunOnTheirOwnThreadsAtTheLowestPriority()
    {
        using var hasher = NewHasher();
        await Await.Until(() => hasher.OsThreadIds.All(id => id != 0), "both hashing threads to start");
        Assert.Equal(2, hasher.OsThreadIds.Count);
        var before = hasher.OsThreadIds.Select(ReadTask).ToList();
        foreach (var task in before)
        {
            Assert.StartsWith(PasswordHasher.ThreadNamePrefix, task.Name, StringComparison.Ordinal);
            Assert.Equal(19, task.Nice);
            Assert.Equal(SchedIdle, task.Policy);
        }

        // Four hashes (~0.2 s of CPU here): the hashing threads' own CPU time grows, so that is where hashing ran.
        var hashes = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => hasher.HashAsync("password-" + i)));
        var after = hasher.OsThreadIds.Select(ReadTask).ToList();
        Assert.True(after.Sum(t => t.CpuTicks) > before.Sum(t => t.CpuTicks),
            $"the hashing threads ran the hashes (CPU ticks {before.Sum(t => t.CpuTicks)} -> {after.Sum(t => t.CpuTicks)})");

        // Still PBKDF2 as stored before, and checked right.
        Assert.All(hashes, h => Assert.StartsWith("pbkdf2-sha512$100000$", h, StringComparison.Ordinal));
        Assert.Equal(PasswordCheck.Match, await hasher.VerifyAsync("password-2", hashes[2]!));
        Assert.Equal(PasswordCheck.Mismatch, await hasher.VerifyAsync("password-3", hashes[2]!));
        Assert.Equal(PasswordCheck.Mismatch, await hasher.VerifyDecoyAsync("password-2"));
    }

    [Fact]
    public async Task NormalPriorityLeavesTheThreadsAsTheyWere()
    {
        using var hasher = NewHasher(o => o.ThreadPriority = HashingThreadPriority.Normal);
        await Await.Until(() => hasher.OsThreadIds.All(id => id != 0), "both hashing threads to start");
        // Inherited from whichever thread made them (the suite may run reniced), never lowered to 19 nor SCHED_IDLE.
        Assert.All(hasher.OsThreadIds.Select(ReadTask), t => Assert.True(t.Nice < 19 && t.Policy == 0, $"nice {t.Nice}, policy {t.Policy}"));

        using var low = NewHasher(o => o.ThreadPriority = HashingThreadPriority.Low);
        await Await.Until(() => low.OsThreadIds.All(id => id != 0), "both low-priority hashing threads to start");
        Assert.All(low.OsThreadIds.Select(ReadTask), t => Assert.Equal((19, 0), (t.Nice, t.Policy)));
    }

    [Fact]
    public async Task RetryAfterGrowsWhileSaturationLastsAndIsSpread()
    {
        var first = TimeSpan.FromMilliseconds(200);
        using var hasher = NewHasher(o =>
        {
            o.MaxConcurrent = 1;
            o.MaxQueued = 2;
            o.BusyRetryAfter = first;
            o.BusyRetryAfterDoubling = TimeSpan.FromMilliseconds(300);
            o.MaxBusyRetryAfter = TimeSpan.FromSeconds(2);
            // The load's own hashes wait as long as a busy machine makes them (the threads only get idle CPU).
            o.QueueTimeout = TimeSpan.FromMinutes(2);
        });
        Assert.Equal(first, hasher.BusyBackoff);
        Assert.InRange(hasher.BusyRetryAfter(), first, 2 * first);

        // Three callers hashing back to back keep the one thread busy and two waiting: a fourth is refused.
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.NotNull(await hasher.HashAsync("load-" + i));
            }
        })).ToList();
        await Await.Until(() => hasher.IsSaturated, "three hashes in flight to fill the hasher");
        Assert.Equal(PasswordCheck.Busy, await hasher.VerifyDecoyAsync("refused"));
        Assert.InRange(hasher.BusyRetryAfter(), first, 2 * first);

        // Saturation that lasts: the wait doubles every 300 ms up to the 2 s cap, and each answer is spread up to twice that.
        var seen = new List<TimeSpan>();
        await Await.Until(() =>
        {
            if (seen.Count == 0 || seen[^1] != hasher.BusyBackoff)
            {
                seen.Add(hasher.BusyBackoff);
            }

            return hasher.BusyBackoff == TimeSpan.FromSeconds(2);
        }, "retry_after to reach its cap", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));
        // It grew by doubling, never shrinking while the crowd stayed (200, 400, 800, 1,600 ms, then the cap).
        Assert.True(seen.Count >= 3, $"back-off steps seen: {string.Join(", ", seen)}");
        Assert.Equal(seen.Order(), seen);
        var answers = Enumerable.Range(0, 50).Select(_ => hasher.BusyRetryAfter()).ToList();
        Assert.All(answers, a => Assert.InRange(a, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)));
        Assert.True(answers.Distinct().Count() > 25, "refused clients are told different times");

        // The crowd goes: the next request finds nobody waiting, and saturation is over.
        await stop.CancelAsync();
        await Await.Within(Task.WhenAll(load), "the load to stop");
        Assert.Equal(PasswordCheck.Mismatch, await hasher.VerifyDecoyAsync("after"));
        Assert.Equal(first, hasher.BusyBackoff);
    }

    [Fact]
    public async Task AWaitLongerThanTheQueueTimeoutIsBusyAndNeverRun()
    {
        using var hasher = NewHasher(o =>
        {
            o.MaxConcurrent = 1;
            o.MaxQueued = 16;
            o.QueueTimeout = TimeSpan.FromMilliseconds(10);
        });
        var stored = await hasher.HashAsync("right password");
        // Eight at once for one thread: the first runs, those still waiting after 10 ms are told BUSY instead.
        var checks = await Await.Within(Task.WhenAll(Enumerable.Range(0, 8).Select(_ => hasher.VerifyAsync("right password", stored!))),
            "eight checks to be answered");
        Assert.Contains(PasswordCheck.Match, checks);
        Assert.Contains(PasswordCheck.Busy, checks);
        Assert.All(checks, c => Assert.True(c is PasswordCheck.Match or PasswordCheck.Busy, $"{c}"));
    }

    [Fact]
    public async Task AMalformedStoredHashFailsItsCheckAndLeavesTheHashingThreadWorking()
    {
        // One thread, the default queue timeout: with 10 ms, a loaded machine (the hashing threads run below
        // everything else) could answer these BUSY before they ran.
        using var hasher = NewHasher(o => o.MaxConcurrent = 1);
        var stored = await hasher.HashAsync("right password");
        await Assert.ThrowsAsync<FormatException>(() => hasher.VerifyAsync("x", "pbkdf2-sha512$100000$not base64!$AAAA"));
        Assert.Equal(PasswordCheck.Match, await hasher.VerifyAsync("right password", stored!));
    }

    [Fact]
    public void RetryAfterLimitsAreValidated()
    {
        var options = new PasswordHashingOptions { BusyRetryAfter = TimeSpan.FromSeconds(10), MaxBusyRetryAfter = TimeSpan.FromSeconds(5) };
        var result = new PasswordHashingOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("MaxBusyRetryAfter", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new PasswordHashingOptionsValidator().Validate(null, new PasswordHashingOptions { ThreadPriority = (HashingThreadPriority)7 }).Failed);
    }

    private sealed record TaskStat(string Name, int Nice, int Policy, long CpuTicks);

    /// <summary>Fields of /proc/self/task/TID/stat (proc(5)): after the name in parentheses, field 3 onwards.</summary>
    private static TaskStat ReadTask(int tid)
    {
        var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        var name = stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..stat.LastIndexOf(')')];
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new TaskStat(name, (int)Field(19), (int)Field(41), Field(14) + Field(15));
    }
}
