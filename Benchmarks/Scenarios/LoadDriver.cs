using System.Diagnostics;
using OrleansMmo.Benchmarks.Reporting;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>Throughput and latency of one measured load.</summary>
public sealed record LoadResult(string Name, int Callers, double Seconds, long Calls, long Failures, double CallsPerSecond, LatencySummary Latency)
{
    public double? TargetRate { get; init; }

    /// <summary>Cores each process used on average in the measured window (<see cref="CpuWindow"/>), by process name; null when not measured.</summary>
    public IReadOnlyDictionary<string, double>? CpuCores { get; init; }

    /// <summary>CPU microseconds each process spent per call answered in the measured window; null when not measured.</summary>
    public IReadOnlyDictionary<string, double>? CpuMicrosecondsPerCall { get; init; }
}

/// <summary>
/// Drives a call (<c>Func&lt;int caller, Task&gt;</c>) the same way for every system under test, so their
/// numbers compare: closed loop (N callers, each issuing its next call when the last returns) for the
/// maximum throughput, or open loop (a fixed schedule) for latency at a given load.
/// </summary>
public static class LoadDriver
{
    /// <summary>
    /// Runs <paramref name="callers"/> loops for <paramref name="warmup"/> (unmeasured), then
    /// <paramref name="duration"/> (measured). <paramref name="cpu"/>, when given, is started and stopped with the
    /// measured window.
    /// </summary>
    public static async Task<LoadResult> ClosedLoopAsync(
        string name, int callers, Func<int, Task> call, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken, CpuWindow? cpu = null)
    {
        var histogram = new LatencyHistogram();
        long calls = 0, failures = 0;
        var measuring = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var sinceYield = 0;
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = true;
                try
                {
                    await call(caller);
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    ok = false;
                }
                catch (Exception)
                {
                    return;
                }

                if (Volatile.Read(ref measuring) == 1)
                {
                    if (ok)
                    {
                        histogram.Record(Stopwatch.GetElapsedTime(started));
                        Interlocked.Increment(ref calls);
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                    }
                }

                // On two cores, callers that never yield starve each other (PLATFORM-NOTES).
                if (++sinceYield == 16)
                {
                    sinceYield = 0;
                    await Task.Yield();
                }
            }
        }, CancellationToken.None)).ToList();

        await Task.Delay(warmup, cancellationToken);
        // A mark for tools that attach to the servers for the measured window only (a profiler).
        Console.WriteLine($"  measuring {name} for {duration.TotalSeconds:0.#} s");
        cpu?.Start();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration, cancellationToken);
        Volatile.Write(ref measuring, 0);
        cpu?.Stop();
        var seconds = clock.Elapsed.TotalSeconds;
        var measured = Interlocked.Read(ref calls);
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        return new LoadResult(name, callers, Math.Round(seconds, 2), measured, failures, Math.Round(measured / seconds, 1), LatencyHistogram.Summarize(histogram.ToSparse()));
    }

    /// <summary>
    /// Issues <paramref name="rate"/> calls per second in total, spread evenly over <paramref name="callers"/>
    /// (each with at most <paramref name="maxOutstanding"/> unanswered), for warmup then duration. Latency is
    /// counted from when a call was due, not when it was sent, so a stall shows as latency rather than
    /// as a quietly lower rate. <paramref name="cpu"/>, when given, is started and stopped with the measured window.
    /// </summary>
    public static async Task<LoadResult> OpenLoopAsync(
        string name, int callers, double rate, int maxOutstanding, Func<int, Task> call, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken,
        CpuWindow? cpu = null)
    {
        var histogram = new LatencyHistogram();
        long calls = 0, failures = 0;
        var interval = TimeSpan.FromSeconds(callers / rate);
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var end = warmup + duration;

        var pacers = Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            using var slots = new SemaphoreSlim(maxOutstanding);
            var inFlight = new List<Task>();
            // Callers start at evenly spread phases.
            var due = interval * caller / callers;
            while (due < end && !cancellationToken.IsCancellationRequested)
            {
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken);
                }

                await slots.WaitAsync(cancellationToken);
                var scheduled = due;
                inFlight.Add(Fire(caller, scheduled, slots));
                due += interval;
                if (inFlight.Count > 4096)
                {
                    inFlight.RemoveAll(t => t.IsCompleted);
                }
            }

            await Task.WhenAll(inFlight);
        }, CancellationToken.None)).ToList();

        if (cpu is not null)
        {
            await Task.Delay(warmup, cancellationToken);
            cpu.Start();
            await Task.Delay(duration, cancellationToken);
            cpu.Stop();
        }

        await Task.WhenAll(pacers);
        var measured = Interlocked.Read(ref calls);
        return new LoadResult(name, callers, Math.Round(duration.TotalSeconds, 2), measured, failures, Math.Round(measured / duration.TotalSeconds, 1), LatencyHistogram.Summarize(histogram.ToSparse()))
        {
            TargetRate = Math.Round(rate, 1),
        };

        async Task Fire(int caller, TimeSpan scheduled, SemaphoreSlim slots)
        {
            var ok = true;
            try
            {
                await call(caller);
            }
            catch (Exception)
            {
                ok = false;
            }
            finally
            {
                slots.Release();
            }

            if (scheduled >= measureFrom)
            {
                if (ok)
                {
                    histogram.Record(clock.Elapsed - scheduled);
                    Interlocked.Increment(ref calls);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }
    }
}
