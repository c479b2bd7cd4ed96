using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using OrleansMmo.Benchmarks.Scenarios;
using OrleansMmo.Bots;

namespace OrleansMmo.Benchmarks.Reporting;

/// <summary>What one benchmark run found: its parameters, its loads and metrics, and its targets met or not.</summary>
public sealed class BenchmarkResult(string name)
{
    public string Name { get; set; } = name;

    public DateTimeOffset StartedAt { get; set; } = DateTimeOffset.UtcNow;

    public MachineInfo Machine { get; set; } = MachineInfo.Current();

    public Dictionary<string, object> Parameters { get; set; } = [];

    public List<LoadResult> Loads { get; set; } = [];

    public Dictionary<string, double> Metrics { get; set; } = new(StringComparer.Ordinal);

    public List<Target> Targets { get; set; } = [];

    public List<string> Notes { get; set; } = [];

    /// <summary>Structured findings a benchmark reports beside its flat metrics (the abuse benchmark's phases); null for most.</summary>
    public Dictionary<string, object>? Details { get; set; }

    /// <summary>Bot runs inside this benchmark, by case name.</summary>
    public Dictionary<string, RunSummary> Runs { get; set; } = [];

    public async Task WriteAsync(string? path)
    {
        foreach (var target in Targets)
        {
            Console.WriteLine($"  target: {target}");
        }

        if (path is null)
        {
            return;
        }

        // The bot runs' raw histograms are large and already summarised; keep the file readable.
        foreach (var run in Runs.Values)
        {
            run.Final = null;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, this, RunSummary.JsonOptions);
        Console.WriteLine($"results written to {path}");
    }
}

/// <summary>A target from the issue and whether this run met it.</summary>
public sealed record Target(string What, double Measured, string Comparison, double Goal, bool Met)
{
    public static Target AtLeast(string what, double measured, double goal) => new(what, Math.Round(measured, 3), ">=", goal, measured >= goal);

    public static Target AtMost(string what, double measured, double goal) => new(what, Math.Round(measured, 3), "<=", goal, measured <= goal);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{What}: {Measured:G6} (target {Comparison} {Goal:G6}) {(Met ? "met" : "MISSED")}");
}

/// <summary>The machine a result came from, and how busy it was when the run started.</summary>
public sealed class MachineInfo
{
    public int Cores { get; set; }

    public double MemoryGiB { get; set; }

    public string Os { get; set; } = "";

    public string Runtime { get; set; } = "";

    /// <summary>1-minute load average when the run started: above ~0.5 on an idle machine means someone else was busy.</summary>
    public double LoadAverageAtStart { get; set; }

    public static MachineInfo Current() => new()
    {
        Cores = Environment.ProcessorCount,
        MemoryGiB = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
        Os = OsName(),
        Runtime = RuntimeInformation.FrameworkDescription,
        LoadAverageAtStart = LoadAverage(),
    };

    public static double LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static string OsName()
    {
        try
        {
            var pretty = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return pretty is null ? RuntimeInformation.OSDescription : pretty["PRETTY_NAME=".Length..].Trim('"');
        }
        catch (IOException)
        {
            return RuntimeInformation.OSDescription;
        }
    }
}
