using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace OrleansMmo.Bots;

/// <summary>
/// <c>dotnet Bots/bin/Release/net10.0/OrleansMmo.Bots.dll --bots 1000 --duration 60 --json run.json</c>:
/// N bots play against one or more gateways for a bounded time; progress every second, a JSON summary
/// at the end. See docs/benchmarks/README.md.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) => BotCommand.Create().Parse(args).InvokeAsync();
}

/// <summary>The command line, and its inverse for worker processes (<see cref="WorkerArguments"/>).</summary>
public static class BotCommand
{
    public static readonly Option<string[]> Gateway = new("--gateway", "-g")
    {
        Description = "Gateway host:port; repeat for several (bots are spread round robin)",
        DefaultValueFactory = _ => ["127.0.0.1:7000"],
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<BotTransport> Transport = new("--transport")
    {
        Description = "tcp (the game port) or websocket (--gateway then names WebSocket ports; bots connect to ws://host:port/ws)",
        DefaultValueFactory = _ => BotTransport.Tcp,
    };

    public static readonly Option<bool> Tls = new("--tls")
    {
        Description = "TLS to the game port (gateways with Gateway:Tls set); the certificate must chain to a system root unless --tls-ca is given",
    };

    public static readonly Option<string?> TlsCa = new("--tls-ca")
    {
        Description = "PEM certificate to trust instead of the system's roots (a private CA or the gateway's own self-signed one); implies --tls",
    };

    public static readonly Option<string?> TlsHost = new("--tls-host")
    {
        Description = "Name the gateway's certificate must carry (default: the host in --gateway)",
    };

    public static readonly Option<string[]> Source = new("--source")
    {
        Description = "Local address(es) to connect from, e.g. 127.0.0.2..127.0.0.9 or 127.0.0.2,127.0.0.3; repeatable",
        DefaultValueFactory = _ => [],
    };

    public static readonly Option<int> Bots = new("--bots", "-n") { Description = "Number of bots", DefaultValueFactory = _ => 10 };

    public static readonly Option<int> Processes = new("--processes", "-p")
    {
        Description = "Worker processes to spread the bots over (one process holds at most ~19,800 sockets)",
        DefaultValueFactory = _ => 1,
    };

    public static readonly Option<double> Duration = new("--duration", "-d") { Description = "Run time in seconds, ramp-up included", DefaultValueFactory = _ => 30 };

    public static readonly Option<string> Prefix = new("--prefix")
    {
        Description = "Account and character name prefix (letters and digits, at most 10); reruns reuse the accounts",
        DefaultValueFactory = _ => "bot",
    };

    public static readonly Option<double> Ramp = new("--ramp") { Description = "Bots started per second (0: all at once)", DefaultValueFactory = _ => 500 };

    public static readonly Option<int> LoginConcurrency = new("--login-concurrency")
    {
        Description = "Registrations/logins in flight at once (each costs the silo a password hash)",
        DefaultValueFactory = _ => 8,
    };

    public static readonly Option<double> MoveRate = new("--move-rate") { Description = "Moves per second per bot (0: stand still, heartbeats only)", DefaultValueFactory = _ => 2 };

    public static readonly Option<double> SpeedFactor = new("--speed-factor") { Description = "Fraction of the zone's max_speed to walk at", DefaultValueFactory = _ => 0.8 };

    public static readonly Option<double> ChatInterval = new("--chat-interval") { Description = "Mean seconds between one bot's chat messages (0: never)", DefaultValueFactory = _ => 30 };

    public static readonly Option<double> PortalChance = new("--portal-chance") { Description = "Chance a new waypoint is a portal (zone change)", DefaultValueFactory = _ => 0.05 };

    public static readonly Option<double> RoamRadius = new("--roam-radius") { Description = "Wander within this many metres of the arrival point (0: the whole zone)", DefaultValueFactory = _ => 0 };

    public static readonly Option<double> GetPlayerRate = new("--get-player-rate") { Description = "GetPlayer requests per second per bot (full path to the Player grain)", DefaultValueFactory = _ => 0 };

    public static readonly Option<bool> NoReconnect = new("--no-reconnect") { Description = "Do not reconnect a bot whose connection was lost" };

    public static readonly Option<string?> TicketCache = new("--ticket-cache") { Description = "Directory of session tickets: bots resume with them instead of logging in, and save new ones" };

    public static readonly Option<bool> TicketCacheReadOnly = new("--ticket-cache-read-only") { Description = "Use the ticket cache but never write it" };

    public static readonly Option<double> RequestTimeout = new("--request-timeout") { Description = "Seconds a request may wait for its answer", DefaultValueFactory = _ => 10 };

    public static readonly Option<string?> World = new("--world") { Description = "World to create characters in (default: the default world)" };

    public static readonly Option<bool> SeedOnly = new("--seed-only") { Description = "Create accounts and characters and cache tickets, then stop (no world)" };

    public static readonly Option<bool> Combat = new("--combat")
    {
        Description = "Fight: walk to creatures in view, attack them, respawn after dying; kills, deaths, experience and refusals are reported",
    };

    public static readonly Option<double> TradeRate = new("--trade-rate")
    {
        Description = "With --combat: trades each bot starts per minute with a bot standing near it (gold and bread); the run ends with a conservation check",
        DefaultValueFactory = _ => 0,
    };

    public static readonly Option<string?> Json = new("--json") { Description = "Write the summary as JSON to this file" };

    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "No per-second progress lines" };

    // Internal: a worker process of a multi-process run.
    public static readonly Option<bool> Worker = new("--worker") { Hidden = true };

    public static readonly Option<int> FirstIndex = new("--first-index") { Hidden = true, DefaultValueFactory = _ => 0 };

    public static RootCommand Create()
    {
        var root = new RootCommand("OrleansMmo bots: N players register or reuse accounts, log in, enter the world and play, for a bounded time.")
        {
            Gateway, Transport, Tls, TlsCa, TlsHost, Source, Bots, Processes, Duration, Prefix, Ramp, LoginConcurrency, MoveRate, SpeedFactor, ChatInterval,
            PortalChance, RoamRadius, GetPlayerRate, NoReconnect, TicketCache, TicketCacheReadOnly, RequestTimeout, World, SeedOnly,
            Combat, TradeRate, Json, Quiet, Worker, FirstIndex,
        };
        Bots.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>() >= 0));
        Processes.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>() >= 1));
        Duration.Validators.Add(r => Positive(r, r.GetValueOrDefault<double>() > 0));
        LoginConcurrency.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>() >= 1));
        MoveRate.Validators.Add(r => Positive(r, r.GetValueOrDefault<double>() is >= 0 and <= 100));
        SpeedFactor.Validators.Add(r => Positive(r, r.GetValueOrDefault<double>() is > 0 and <= 1));
        PortalChance.Validators.Add(r => Positive(r, r.GetValueOrDefault<double>() is >= 0 and <= 1));
        TradeRate.Validators.Add(r => Positive(r, r.GetValueOrDefault<double>() is >= 0 and <= 600));
        Prefix.Validators.Add(r =>
        {
            var prefix = r.GetValueOrDefault<string>() ?? "";
            if (prefix.Length is 0 or > 10 || !prefix.All(char.IsAsciiLetterOrDigit))
            {
                r.AddError("--prefix must be 1-10 ASCII letters or digits (usernames and character names are built from it)");
            }
        });
        root.SetAction((parse, cancellationToken) => RunAsync(parse, cancellationToken));
        return root;
    }

    private static void Positive(OptionResult result, bool ok)
    {
        if (!ok)
        {
            result.AddError($"{result.Option.Name} is out of range");
        }
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        BotSettings settings;
        try
        {
            settings = ToSettings(parse);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        if (parse.GetValue(Worker))
        {
            return await RunWorkerAsync(settings, cancellationToken);
        }

        var processes = parse.GetValue(Processes);
        var quiet = parse.GetValue(Quiet);
        var json = parse.GetValue(Json);
        Console.WriteLine($"{settings.Bots:N0} bots over {settings.Gateways.Count} gateway(s), {processes} process(es), {settings.Duration.TotalSeconds:0} s");
        var summary = await BotRunner.RunAsync(settings, processes, quiet ? null : Console.Out, cancellationToken);
        PrintSummary(summary);
        if (json is not null)
        {
            await summary.WriteAsync(json);
            Console.WriteLine($"summary written to {json}");
        }

        // A broken economy fails the run: every item and gold piece must be accounted for.
        return ConservationHolds(summary) == false ? 3 : 0;
    }

    /// <summary>A worker prints one snapshot line a second for its parent and stops when told (or orphaned).</summary>
    private static async Task<int> RunWorkerAsync(BotSettings settings, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Lives as long as the process: a blocking read of stdin cannot be cancelled, so nothing awaits it.
        // EOF means the parent is gone; "stop" means it wants the numbers now.
        var parentWatch = new Thread(() =>
        {
            while (Console.In.ReadLine() is { } line && line != "stop")
            {
            }

            stop.Cancel();
        })
        { IsBackground = true, Name = "parent watch" };
        parentWatch.Start();

        var output = Console.Out;
        var gate = new object();
        void Write(string kind, object snapshot)
        {
            var line = kind + JsonSerializer.Serialize(snapshot, RunSummary.CompactJsonOptions);
            lock (gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        var summary = await BotRunner.RunInProcessAsync(settings, null, snapshot => Write(BotRunner.SnapshotLine, snapshot), stop.Token);
        Write(BotRunner.FinalLine, summary.Final!);
        return 0;
    }

    private static void PrintSummary(RunSummary summary)
    {
        var play = summary.Steady.Play;
        Console.WriteLine();
        Console.WriteLine($"done in {summary.ElapsedSeconds:0.0} s: peak connected {summary.PeakConnected:N0}, peak in world {summary.PeakInWorld:N0}"
            + (summary.SecondsToAllInWorld is { } all ? $", all in world after {all:0.0} s" : ""));
        Console.WriteLine($"steady ({summary.Steady.FromSeconds:0}-{summary.Steady.ToSeconds:0} s): {summary.Steady.RequestsPerSecond:N0} requests/s, "
            + $"frames/s out {summary.Steady.FramesOutPerSecond:N0} in {summary.Steady.FramesInPerSecond:N0}, entity updates/s {summary.Steady.EntityUpdatesPerSecond:N0}");
        Console.WriteLine($"play latency p50 {play.P50Ms:0.00} ms, p99 {play.P99Ms:0.00} ms, max {play.MaxMs:0.0} ms ({play.Count:N0} requests)");
        foreach (var (name, latency) in summary.Latency.Where(l => l.Value.Count > 0).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {name,-16} n={latency.Count,10:N0}  p50 {latency.P50Ms,9:0.00}  p99 {latency.P99Ms,9:0.00}  max {latency.MaxMs,9:0.0} ms");
        }

        if (summary.Settings.Combat)
        {
            long C(string name) => summary.Counters.GetValueOrDefault(name);
            Console.WriteLine($"combat: {C("Attacks"):N0} attacks, {C("Hits"):N0} hits, {C("Kills"):N0} kills, {C("Deaths"):N0} deaths, "
                + $"{C("ExperienceGained"):N0} experience, {C("LevelUps"):N0} level-ups, {C("LootGold"):N0} gold looted");
            Console.WriteLine($"economy: {C("PotionsUsed"):N0} potions used, {C("TradesRequested"):N0} trades requested, {C("TradesCompleted"):N0} completed");
            Console.WriteLine(ConservationLine(summary));
        }

        if (summary.Refusals.Count > 0)
        {
            Console.WriteLine("refusals (documented, not errors): " + string.Join(", ", summary.Refusals.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:N0}")));
        }

        if (summary.Errors.Count > 0)
        {
            Console.WriteLine("errors: " + string.Join(", ", summary.Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:N0}")));
        }
    }

    /// <summary>
    /// The conservation check over every bot that read its final inventory: gold at the start plus gold looted
    /// must be the gold at the end, and for every item id the count at the start plus that looted minus that used
    /// the count at the end (trades between bots move goods, never make, destroy or turn them into others).
    /// Null when the run had no combat.
    /// </summary>
    public static bool? ConservationHolds(RunSummary summary)
    {
        long C(string name) => summary.Counters.GetValueOrDefault(name);
        if (!summary.Settings.Combat || C("LedgerBotsUnread") > 0 || C("LedgerBots") == 0)
        {
            return null;
        }

        return C("LedgerGoldStart") + C("LedgerGoldLooted") == C("LedgerGoldEnd")
            && C("LedgerItemsStart") + C("LedgerItemsLooted") - C("LedgerItemsUsed") == C("LedgerItemsEnd")
            && ItemImbalances(summary).Count == 0;
    }

    /// <summary>Item ids whose end count is not start + looted - used, with the difference (end minus expected).</summary>
    public static Dictionary<string, long> ItemImbalances(RunSummary summary)
    {
        long L(string entry, string itemId) => summary.ItemLedger.GetValueOrDefault($"{entry}/{itemId}");
        return summary.ItemLedger.Keys.Select(k => k[(k.IndexOf('/', StringComparison.Ordinal) + 1)..]).Distinct(StringComparer.Ordinal)
            .Select(id => (Id: id, Difference: L("end", id) - (L("start", id) + L("looted", id) - L("used", id))))
            .Where(d => d.Difference != 0)
            .ToDictionary(d => d.Id, d => d.Difference, StringComparer.Ordinal);
    }

    private static string ConservationLine(RunSummary summary)
    {
        long C(string name) => summary.Counters.GetValueOrDefault(name);
        var verdict = ConservationHolds(summary) switch
        {
            true => "OK",
            false => "FAILED",
            null => $"not checked ({C("LedgerBotsUnread"):N0} bots could not read their final inventory)",
        };
        var ids = summary.ItemLedger.Keys.Select(k => k[(k.IndexOf('/', StringComparison.Ordinal) + 1)..]).Distinct(StringComparer.Ordinal).Count();
        var imbalances = ItemImbalances(summary);
        var wrong = imbalances.Count == 0 ? "" : " (per id, end minus expected: " + string.Join(", ", imbalances.Select(i => $"{i.Key} {i.Value:+#;-#}")) + ")";
        return $"conservation over {C("LedgerBots"):N0} bots: gold {C("LedgerGoldStart"):N0} + {C("LedgerGoldLooted"):N0} looted = {C("LedgerGoldEnd"):N0}; "
            + $"items {C("LedgerItemsStart"):N0} + {C("LedgerItemsLooted"):N0} looted - {C("LedgerItemsUsed"):N0} used = {C("LedgerItemsEnd"):N0}, "
            + $"per item id ({ids:N0} ids){wrong}: {verdict}";
    }

    public static BotSettings ToSettings(ParseResult parse) => new()
    {
        Gateways = parse.GetValue(Gateway)!.Select(ParseEndpoint).ToList(),
        Transport = parse.GetValue(Transport),
        Tls = parse.GetValue(Tls) || parse.GetValue(TlsCa) is not null,
        TlsCa = parse.GetValue(TlsCa),
        TlsHost = parse.GetValue(TlsHost),
        Sources = parse.GetValue(Source)!.SelectMany(ParseSources).ToList(),
        Bots = parse.GetValue(Bots),
        FirstIndex = parse.GetValue(FirstIndex),
        Prefix = parse.GetValue(Prefix)!,
        Duration = TimeSpan.FromSeconds(parse.GetValue(Duration)),
        RampPerSecond = parse.GetValue(Ramp),
        LoginConcurrency = parse.GetValue(LoginConcurrency),
        MoveRate = parse.GetValue(MoveRate),
        SpeedFactor = parse.GetValue(SpeedFactor),
        ChatInterval = TimeSpan.FromSeconds(parse.GetValue(ChatInterval)),
        PortalChance = parse.GetValue(PortalChance),
        RoamRadius = parse.GetValue(RoamRadius),
        GetPlayerRate = parse.GetValue(GetPlayerRate),
        Reconnect = !parse.GetValue(NoReconnect),
        TicketCache = parse.GetValue(TicketCache),
        TicketCacheReadOnly = parse.GetValue(TicketCacheReadOnly),
        RequestTimeout = TimeSpan.FromSeconds(parse.GetValue(RequestTimeout)),
        SeedOnly = parse.GetValue(SeedOnly),
        World = parse.GetValue(World),
        Combat = parse.GetValue(Combat),
        TradeRate = parse.GetValue(TradeRate),
    };

    public static DnsEndPoint ParseEndpoint(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{value}' is not host:port");
        }

        return new DnsEndPoint(value[..colon], port);
    }

    /// <summary>One address, a comma list, or an IPv4 range <c>127.0.0.2..127.0.0.9</c> (last octet varies).</summary>
    public static IEnumerable<IPAddress> ParseSources(string value)
    {
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split("..");
            if (range.Length == 1)
            {
                yield return IPAddress.TryParse(part, out var single) ? single : throw new FormatException($"'{part}' is not an IP address");
                continue;
            }

            if (range.Length != 2 || !IPAddress.TryParse(range[0], out var from) || !IPAddress.TryParse(range[1], out var to)
                || from.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || to.AddressFamily != from.AddressFamily)
            {
                throw new FormatException($"'{part}' is not an IPv4 range like 127.0.0.2..127.0.0.9");
            }

            var a = from.GetAddressBytes();
            var b = to.GetAddressBytes();
            if (a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || a[3] > b[3])
            {
                throw new FormatException($"'{part}': a range varies the last octet only, upwards");
            }

            for (int last = a[3]; last <= b[3]; last++)
            {
                yield return new IPAddress([a[0], a[1], a[2], (byte)last]);
            }
        }
    }
}

/// <summary>The command line that makes a worker process run exactly these settings.</summary>
public static class WorkerArguments
{
    public static IEnumerable<string> For(BotSettings s)
    {
        static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        yield return "--worker";
        foreach (var gateway in s.Gateways)
        {
            yield return "--gateway";
            yield return $"{gateway.Host}:{gateway.Port}";
        }

        yield return "--transport";
        yield return s.Transport.ToString();

        if (s.Tls)
        {
            yield return "--tls";
        }

        if (s.TlsCa is not null)
        {
            yield return "--tls-ca";
            yield return s.TlsCa;
        }

        if (s.TlsHost is not null)
        {
            yield return "--tls-host";
            yield return s.TlsHost;
        }

        if (s.Sources.Count > 0)
        {
            yield return "--source";
            yield return string.Join(',', s.Sources);
        }

        string[] pairs =
        [
            "--bots", s.Bots.ToString(CultureInfo.InvariantCulture),
            "--first-index", s.FirstIndex.ToString(CultureInfo.InvariantCulture),
            "--prefix", s.Prefix,
            "--duration", N(s.Duration.TotalSeconds),
            "--ramp", N(s.RampPerSecond),
            "--login-concurrency", s.LoginConcurrency.ToString(CultureInfo.InvariantCulture),
            "--move-rate", N(s.MoveRate),
            "--speed-factor", N(s.SpeedFactor),
            "--chat-interval", N(s.ChatInterval.TotalSeconds),
            "--portal-chance", N(s.PortalChance),
            "--roam-radius", N(s.RoamRadius),
            "--get-player-rate", N(s.GetPlayerRate),
            "--request-timeout", N(s.RequestTimeout.TotalSeconds),
        ];
        foreach (var item in pairs)
        {
            yield return item;
        }

        if (!s.Reconnect)
        {
            yield return "--no-reconnect";
        }

        if (s.TicketCache is not null)
        {
            yield return "--ticket-cache";
            yield return s.TicketCache;
        }

        if (s.TicketCacheReadOnly)
        {
            yield return "--ticket-cache-read-only";
        }

        if (s.SeedOnly)
        {
            yield return "--seed-only";
        }

        if (s.World is not null)
        {
            yield return "--world";
            yield return s.World;
        }

        if (s.Combat)
        {
            yield return "--combat";
        }

        if (s.TradeRate > 0)
        {
            yield return "--trade-rate";
            yield return s.TradeRate.ToString(CultureInfo.InvariantCulture);
        }
    }
}
