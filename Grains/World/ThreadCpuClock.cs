using System.Runtime.InteropServices;

namespace OrleansMmo.Grains.World;

/// <summary>
/// CPU time of the calling thread (Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>). A zone tick runs on one
/// thread from start to end, so its CPU time beside its wall time tells a heavy tick from a tick that waited for a
/// core: on a machine whose cores are shared, the wall time holds both. Public for the in-process benchmarks, which
/// measure the view work the same way.
/// </summary>
public static class ThreadCpuClock
{
    private const int ThreadCpuTimeClock = 3; // CLOCK_THREAD_CPUTIME_ID

    private static readonly bool Supported = OperatingSystem.IsLinux();

    /// <summary>The thread's CPU time so far, in nanoseconds; -1 where it cannot be read.</summary>
    public static long Now()
    {
        if (!Supported)
        {
            return -1;
        }

        return clock_gettime(ThreadCpuTimeClock, out var time) == 0 ? (time.Seconds * 1_000_000_000) + time.Nanoseconds : -1;
    }

    /// <summary>Milliseconds of CPU between two readings of <see cref="Now"/> on one thread; null if either failed.</summary>
    public static double? MillisecondsBetween(long start, long end) => start < 0 || end < 0 ? null : (end - start) / 1e6;

    // struct timespec on 64-bit Linux: two longs. Blittable: no marshalling code is generated.
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc")]
    private static extern int clock_gettime(int clockId, out TimeSpec time);
}
