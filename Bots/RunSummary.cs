using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Bots;

/// <summary>The JSON a run leaves behind (<c>--json FILE</c>): settings, totals, steady-state rates,
/// latency percentiles by request, errors by code, and a per-second timeline.</summary>
public sealed class RunSummary
{
    public string Tool { get; set; } = "OrleansMmo.Bots";

    public DateTimeOffset StartedAt { get; set; }

    public RunSettingsSummary Settings { get; set; } = new();

    public double ElapsedSeconds { get; set; }

    public long PeakConnected { get; set; }

    public long PeakInWorld { get; set; }

    /// <summary>Seconds from the start until every bot was in the world; null if that never happened.</summary>
    public double? SecondsToAllInWorld { get; set; }

    public Dictionary<string, long> Counters { get; set; } = [];

    public Dictionary<string, long> Errors { get; set; } = [];

    /// <summary>Documented refusals by reason (attack refusals, MOVE_DEAD): answers, not errors.</summary>
    public Dictionary<string, long> Refusals { get; set; } = [];

    /// <summary>The conservation ledger per item id (<see cref="MetricsSnapshot.ItemLedger"/>); empty without <c>--combat</c>.</summary>
    public Dictionary<string, long> ItemLedger { get; set; } = [];

    /// <summary>By request opcode, plus <c>play</c> (Move, GetPlayer, Chat, Attack, Respawn) and <c>login</c> (Register, Login, ResumeSession).</summary>
    public Dictionary<string, LatencySummary> Latency { get; set; } = [];

    /// <summary>Rates from the moment every bot was in the world (or the peak, if not all made it) to the end.</summary>
    public SteadyState Steady { get; set; } = new();

    public List<TimelinePoint> Timeline { get; set; } = [];

    /// <summary>The raw cumulative numbers, so a parent process can add its workers' runs up exactly.</summary>
    public MetricsSnapshot? Final { get; set; }

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>One line, for worker processes talking to their parent.</summary>
    public static JsonSerializerOptions CompactJsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public async Task WriteAsync(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, this, JsonOptions);
    }
}

public sealed class RunSettingsSummary
{
    public int Bots { get; set; }

    public int Processes { get; set; }

    public List<string> Gateways { get; set; } = [];

    public List<string> Sources { get; set; } = [];

    public string Prefix { get; set; } = "";

    public double DurationSeconds { get; set; }

    public double MoveRate { get; set; }

    public double ChatIntervalSeconds { get; set; }

    public double PortalChance { get; set; }

    public double RoamRadius { get; set; }

    public double GetPlayerRate { get; set; }

    public bool SeedOnly { get; set; }

    public bool Combat { get; set; }

    public static RunSettingsSummary From(BotSettings settings, int totalBots, int processes) => new()
    {
        Bots = totalBots,
        Processes = processes,
        Gateways = settings.Gateways.Select(g => $"{g.Host}:{g.Port}").ToList(),
        Sources = settings.Sources.Select(s => s.ToString()).ToList(),
        Prefix = settings.Prefix,
        DurationSeconds = settings.Duration.TotalSeconds,
        MoveRate = settings.MoveRate,
        ChatIntervalSeconds = settings.ChatInterval.TotalSeconds,
        PortalChance = settings.PortalChance,
        RoamRadius = settings.RoamRadius,
        GetPlayerRate = settings.GetPlayerRate,
        SeedOnly = settings.SeedOnly,
        Combat = settings.Combat,
    };
}

public sealed class SteadyState
{
    public double FromSeconds { get; set; }

    public double ToSeconds { get; set; }

    public double RequestsPerSecond { get; set; }

    public double FramesOutPerSecond { get; set; }

    public double FramesInPerSecond { get; set; }

    public double MovesPerSecond { get; set; }

    public double WorldUpdatesPerSecond { get; set; }

    public double EntityUpdatesPerSecond { get; set; }

    public double ChatReceivedPerSecond { get; set; }

    public LatencySummary Play { get; set; } = LatencySummary.Empty;
}

public sealed class TimelinePoint
{
    public double Seconds { get; set; }

    public long Connected { get; set; }

    public long InWorld { get; set; }

    public double FramesOutPerSecond { get; set; }

    public double FramesInPerSecond { get; set; }

    public double EntityUpdatesPerSecond { get; set; }

    public double PlayP50Ms { get; set; }

    public double PlayP99Ms { get; set; }

    public long Errors { get; set; }
}
