using System.Diagnostics;
using System.Globalization;

namespace OrleansMmo.Benchmarks.Reporting;

/// <summary>
/// CPU time of named processes over a measured window, from <c>/proc/PID/stat</c> (utime + stime, in clock
/// ticks of 10 ms): started and stopped by the load driver exactly when it starts and stops counting calls, so
/// CPU per call is CPU spent while the counted calls ran divided by them, warm-up excluded.
/// </summary>
public sealed class CpuWindow(IReadOnlyDictionary<string, int> processes)
{
    // USER_HZ: 100 on every Linux the project runs on (sysconf(_SC_CLK_TCK)); /proc/PID/stat counts in it.
    private const double TicksPerSecond = 100;

    private Dictionary<string, long> _start = [];
    private Dictionary<string, long> _stop = [];
    private long _startTimestamp;
    private long _stopTimestamp;
    private long _machineStart;
    private long _machineStop;

    /// <summary>The processes, by name (e.g. "gateway", "silo", "driver").</summary>
    public IReadOnlyDictionary<string, int> Processes => processes;

    /// <summary>This process's id, for the load driver's own CPU.</summary>
    public static int Self => Environment.ProcessId;

    public void Start()
    {
        _startTimestamp = Stopwatch.GetTimestamp();
        _start = Sample();
        _machineStart = MachineBusyTicks();
    }

    public void Stop()
    {
        _stopTimestamp = Stopwatch.GetTimestamp();
        _stop = Sample();
        _machineStop = MachineBusyTicks();
    }

    /// <summary>Seconds between <see cref="Start"/> and <see cref="Stop"/>.</summary>
    public double Seconds => Stopwatch.GetElapsedTime(_startTimestamp, _stopTimestamp).TotalSeconds;

    /// <summary>CPU seconds each process used in the window.</summary>
    public IReadOnlyDictionary<string, double> CpuSeconds =>
        processes.Keys.ToDictionary(name => name, name => (_stop.GetValueOrDefault(name) - _start.GetValueOrDefault(name)) / TicksPerSecond);

    /// <summary>Cores each process used on average in the window.</summary>
    public IReadOnlyDictionary<string, double> Cores =>
        CpuSeconds.ToDictionary(p => p.Key, p => Seconds > 0 ? Math.Round(p.Value / Seconds, 3) : 0);

    /// <summary>
    /// Cores the whole machine was busy in the window (every process, from <c>/proc/stat</c>): on a shared machine,
    /// this minus the measured processes' is what others took from them.
    /// </summary>
    public double MachineCores => Seconds > 0 ? Math.Round((_machineStop - _machineStart) / TicksPerSecond / Seconds, 3) : 0;

    /// <summary>
    /// Each process's cores, and the machine's, in a window before an event and one during it, as
    /// <c>cpuCoresBefore.{process}</c> and <c>cpuCoresDuring.{process}</c> (and <c>.machine</c>).
    /// </summary>
    public static void Record(IDictionary<string, double> metrics, CpuWindow before, CpuWindow during)
    {
        foreach (var (name, window) in new[] { ("Before", before), ("During", during) })
        {
            foreach (var (process, cores) in window.Cores)
            {
                metrics[$"cpuCores{name}.{process}"] = cores;
            }

            metrics[$"cpuCores{name}.machine"] = window.MachineCores;
        }
    }

    /// <summary>"machine 0.30 -> 1.20 cores (silo 0.10 -> 0.90, ...)": the two windows side by side, for the console.</summary>
    public static string Compare(CpuWindow before, CpuWindow during) =>
        $"machine {before.MachineCores:0.00} -> {during.MachineCores:0.00} cores ("
        + string.Join(", ", during.Cores.Select(p => $"{p.Key} {before.Cores.GetValueOrDefault(p.Key):0.00} -> {p.Value:0.00}")) + ")";

    /// <summary>CPU microseconds each process spent per call answered in the window.</summary>
    public IReadOnlyDictionary<string, double> MicrosecondsPer(long calls) =>
        CpuSeconds.ToDictionary(p => p.Key, p => calls > 0 ? Math.Round(p.Value * 1e6 / calls, 2) : 0);

    private Dictionary<string, long> Sample() => processes.ToDictionary(p => p.Key, p => Ticks(p.Value));

    /// <summary>utime + stime of <paramref name="pid"/> in clock ticks; 0 once it has exited.</summary>
    public static long Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces: state is [0], utime [11], stime [12].
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Busy clock ticks of all cores so far: the first line of <c>/proc/stat</c> minus idle and iowait; 0 off Linux.</summary>
    public static long MachineBusyTicks()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user and nice]
            return fields.Take(8).Sum() - fields[3] - fields[4];
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>CPU time used so far by <paramref name="pid"/>.</summary>
    public static TimeSpan CpuTime(int pid) => TimeSpan.FromSeconds(Ticks(pid) / TicksPerSecond);
}
