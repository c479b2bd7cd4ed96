using System.Diagnostics;
using OrleansMmo.Bots;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// The control of the login storm and the queue benchmarks: CPU work with no login or arrival in it, at normal
/// priority, in the process that would run their clients. Each of <c>ceil(cores)</c> threads spins for its share of
/// every 10 ms and sleeps the rest, so the machine gets about as many busy cores as the event adds, in short slices as
/// requests are, and the online players' p99 shows what that much CPU alone costs them on this machine.
/// </summary>
public static class CpuBurner
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    public static async Task<RunSummary> RunAsync(double cores, TimeSpan duration, CancellationToken cancellationToken)
    {
        var threads = (int)Math.Ceiling(Math.Clamp(cores, 0, Environment.ProcessorCount));
        var share = threads == 0 ? 0 : cores / threads;
        var clock = Stopwatch.StartNew();
        // No thread at all for 0 cores: the window passes with nothing added, the measurement's own noise.
        var burners = threads == 0
            ? [Task.Delay(duration, cancellationToken)]
            : Enumerable.Range(0, threads).Select(i => Task.Factory.StartNew(
                () => Burn(share, duration, i * Period / threads, cancellationToken),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            await Task.WhenAll(burners).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return new RunSummary { ElapsedSeconds = clock.Elapsed.TotalSeconds };
    }

    private static void Burn(double share, TimeSpan duration, TimeSpan phase, CancellationToken cancellationToken)
    {
        // Spread over the period so that two threads do not always spin at the same moments.
        Thread.Sleep(phase);
        var busy = Period * share;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
        {
            var sliceStart = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(sliceStart) < busy)
            {
                Thread.SpinWait(20);
            }

            var rest = Period - Stopwatch.GetElapsedTime(sliceStart);
            if (rest > TimeSpan.Zero)
            {
                Thread.Sleep(rest);
            }
        }
    }
}
