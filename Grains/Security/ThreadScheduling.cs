using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace OrleansMmo.Grains.Security;

/// <summary>
/// Lowers the scheduling priority of the calling thread. On Linux through the kernel (a thread is a task with its
/// own id, so <c>setpriority</c> and <c>sched_setscheduler</c> on <c>gettid()</c> touch this thread alone; .NET's
/// <see cref="Thread.Priority"/> does nothing there); elsewhere through <see cref="Thread.Priority"/>.
/// </summary>
public static partial class ThreadScheduling
{
    /// <summary>The nice value of <see cref="HashingThreadPriority.Low"/> and <see cref="HashingThreadPriority.Idle"/>: the lowest.</summary>
    public const int LowestNice = 19;

    private const int PrioProcess = 0;
    private const int SchedIdle = 5;

    /// <summary>
    /// Applies <paramref name="priority"/> to the calling thread; logs (never throws) when the system refuses. Returns the
    /// thread's kernel id on Linux, 0 elsewhere.
    /// </summary>
    public static int Lower(HashingThreadPriority priority, ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (priority != HashingThreadPriority.Normal)
            {
                Thread.CurrentThread.Priority = ThreadPriority.Lowest;
            }

            return 0;
        }

        var tid = gettid();
        if (priority == HashingThreadPriority.Normal)
        {
            return tid;
        }

        // Lowering one's own priority needs no privilege.
        if (!TrySetNice(LowestNice))
        {
            LogPriorityRefused(logger, "setpriority", Marshal.GetLastPInvokeError());
        }

        if (priority == HashingThreadPriority.Idle)
        {
            var parameter = 0;
            if (sched_setscheduler(tid, SchedIdle, ref parameter) != 0)
            {
                LogPriorityRefused(logger, "sched_setscheduler(SCHED_IDLE)", Marshal.GetLastPInvokeError());
            }
        }

        return tid;
    }

    /// <summary>
    /// Sets the calling thread's nice value (0-19) on Linux, its <see cref="Thread.Priority"/> below normal elsewhere when
    /// above 0. Returns false when the system refused; lowering one's own priority needs no privilege.
    /// </summary>
    public static bool TrySetNice(int nice)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (nice > 0)
            {
                Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            }

            return true;
        }

        return nice == 0 || setpriority(PrioProcess, gettid(), nice) == 0;
    }

    [LoggerMessage(EventId = LogEvents.HashingThreadPriorityRefused, Level = LogLevel.Warning, Message = "Could not lower the hashing thread's priority: {Call} failed with errno {Errno}; hashing competes with gameplay")]
    private static partial void LogPriorityRefused(ILogger logger, string call, int errno);

    // Blittable signatures (ints, a pointer to one int for struct sched_param): no marshalling code is generated.
    [DllImport("libc", SetLastError = true)]
    private static extern int gettid();

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setscheduler(int pid, int policy, ref int param);
}
