using System.CommandLine;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Benchmarks.Scenarios;

namespace OrleansMmo.Benchmarks;

/// <summary>
/// <c>dotnet Benchmarks/bin/Release/net10.0/OrleansMmo.Benchmarks.dll &lt;benchmark&gt; [options]</c>.
/// Each benchmark starts the servers it measures (silo and gateways as child processes, fresh database),
/// prints what it does, and writes its results as JSON (<c>--out</c>). docs/benchmarks/README.md has the
/// commands and the numbers.
/// </summary>
public static class Program
{
    private static readonly Option<string> SeedDirectory = new("--seed-dir")
    {
        Description = "Where the reusable account seed lives",
        DefaultValueFactory = _ => BenchmarkSeed.DefaultDirectory,
    };

    private static readonly Option<string?> Out = new("--out", "-o") { Description = "Write the results as JSON to this file" };

    private static readonly Option<double?> SessionStartsPerSecond = new("--session-starts")
    {
        Description = "The gateway's Gateway:SessionStarts:PerSecond (admission control; 0 turns it off); the gateway's default when not given",
    };

    private static readonly Option<string> RunDirectory = new("--run-dir")
    {
        Description = "Where each run's database and server logs go",
        DefaultValueFactory = _ => Path.Combine("/var/tmp", "orleansmmo-bench", "runs"),
    };

    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("OrleansMmo benchmarks. Each command starts its own silo and gateways from this build.");
        root.Subcommands.Add(HostCommand());
        root.Subcommands.Add(EchoServerCommand());
        root.Subcommands.Add(Seed());
        root.Subcommands.Add(Requests());
        root.Subcommands.Add(Connections());
        root.Subcommands.Add(Fanout());
        root.Subcommands.Add(CrowdView());
        root.Subcommands.Add(LoginStorm());
        root.Subcommands.Add(Queue());
        root.Subcommands.Add(SessionStarts());
        root.Subcommands.Add(WriteBehind());
        root.Subcommands.Add(StorageWrites());
        root.Subcommands.Add(Abuse());
        root.Subcommands.Add(AbuseAttack());
        root.Subcommands.Add(Chart());
        return root.Parse(args).InvokeAsync();
    }

    private static Command HostCommand()
    {
        var role = new Argument<string>("role") { Description = "silo or gateway" };
        var settings = new Argument<string[]>("settings") { Description = "--Key=value settings", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("host", "Runs a silo or gateway with a metrics listener (used by the benchmarks)") { role, settings };
        command.Hidden = true;
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, token) => ServerHost.RunAsync(parse.GetValue(role)!, [.. parse.GetValue(settings) ?? [], .. parse.UnmatchedTokens], token));
        return command;
    }

    private static Command EchoServerCommand()
    {
        var port = new Option<int>("--port") { Required = true };
        var command = new Command("echo-server", "The raw Pipelines echo baseline as its own process") { port };
        command.Hidden = true;
        command.SetAction((parse, token) => Baselines.EchoServer.RunAsync(parse.GetValue(port), token));
        return command;
    }

    private static Command Seed()
    {
        var accounts = new Option<int>("--accounts") { Description = "Player accounts the seed must hold (cheap fixture hashing; resumed with tickets)", DefaultValueFactory = _ => 1000 };
        var storm = new Option<int>("--storm-accounts") { Description = "Login-storm accounts the seed must hold (hashed at the real cost)", DefaultValueFactory = _ => 0 };
        var hashing = new Option<int>("--hash-concurrency") { Description = "Password hashes the seeding silo runs at once", DefaultValueFactory = _ => 2 };
        var command = new Command("seed", "Creates (or grows) the reusable seed of accounts with characters and session tickets") { accounts, storm, hashing, SeedDirectory };
        command.SetAction((parse, token) => SeedCommand.RunAsync(parse.GetValue(SeedDirectory)!, parse.GetValue(accounts), parse.GetValue(storm), parse.GetValue(hashing), token));
        return command;
    }

    private static Command Requests()
    {
        var connections = new Option<int>("--connections") { Description = "Client connections (one logged-in player each)", DefaultValueFactory = _ => 64 };
        var inFlight = new Option<int>("--in-flight") { Description = "Requests in flight per connection", DefaultValueFactory = _ => 16 };
        var duration = new Option<double>("--duration") { Description = "Seconds per measurement", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of unmeasured load before each measurement", DefaultValueFactory = _ => 5 };
        var seeded = new Option<bool>("--seeded") { Description = "Resume the seed's players (--seed-dir) instead of registering and logging in fresh ones: many connections start in seconds" };
        var command = new Command("requests", "a. Request throughput and latency: full path (GetPlayer) vs raw Pipelines echo vs bare Orleans ping, with CPU per request per process")
        {
            connections, inFlight, duration, warmup, seeded, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) => RequestsBenchmark.RunAsync(new RequestsBenchmark.Options(
            parse.GetValue(connections), parse.GetValue(inFlight), TimeSpan.FromSeconds(parse.GetValue(duration)),
            TimeSpan.FromSeconds(parse.GetValue(warmup)), parse.GetValue(RunDirectory)!, parse.GetValue(Out),
            parse.GetValue(seeded) ? parse.GetValue(SeedDirectory) : null), token));
        return command;
    }

    private static Command Connections()
    {
        var players = new Option<int>("--players") { Description = "In-world players to hold", DefaultValueFactory = _ => 19_000 };
        var gateways = new Option<int>("--gateways") { Description = "Gateway processes", DefaultValueFactory = _ => 1 };
        var processes = new Option<int>("--processes") { Description = "Bot processes (one holds at most ~19,800 sockets)", DefaultValueFactory = _ => 1 };
        var hold = new Option<double>("--hold") { Description = "Seconds to hold every player in the world before measuring memory", DefaultValueFactory = _ => 20 };
        var sources = new Option<string>("--source") { Description = "Local addresses for the bots", DefaultValueFactory = _ => "127.0.0.2..127.0.0.9" };
        var radius = new Option<double>("--view-radius") { Description = "The zones' view radius (m) for this run (World:ViewRadius)", DefaultValueFactory = _ => 5 };
        var command = new Command("connections", "b. In-world players held by one or more gateway processes; memory per connection and per player")
        {
            players, gateways, processes, hold, sources, radius, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) => ConnectionsBenchmark.RunAsync(new ConnectionsBenchmark.Options(
            parse.GetValue(players), parse.GetValue(gateways), parse.GetValue(processes), TimeSpan.FromSeconds(parse.GetValue(hold)),
            parse.GetValue(sources)!, parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out), parse.GetValue(radius)), token));
        return command;
    }

    private static Command Fanout()
    {
        var players = new Option<int>("--players") { Description = "Players in the zone", DefaultValueFactory = _ => 2000 };
        var rate = new Option<double>("--move-rate") { Description = "Moves per second per player", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds to spread out (walking) before measuring", DefaultValueFactory = _ => 90 };
        var duration = new Option<double>("--duration") { Description = "Seconds measured per case", DefaultValueFactory = _ => 30 };
        var clump = new Option<double>("--clump-radius") { Description = "Radius (m) the clumped case crowds into", DefaultValueFactory = _ => 15 };
        var cases = new Option<string>("--cases") { Description = "spread, clumped or both", DefaultValueFactory = _ => "both" };
        var creatures = new Option<int>("--creatures") { Description = "Creatures in the zone, spread over it (0: the demo world's own)", DefaultValueFactory = _ => 0 };
        var creature = new Option<string>("--creature") { Description = "Creature template for --creatures (rabbit strolls, wolf hunts)", DefaultValueFactory = _ => "rabbit" };
        var driver = new Option<string>("--driver")
        {
            Description = "Who moves the players: raw (bare sockets, one send loop, counting readers: cheap enough for 20,000 moves/s) or bots (the bot tool's full SDK clients)",
            DefaultValueFactory = _ => "raw",
        };
        driver.AcceptOnlyFromAmong("raw", "bots");
        // 4: a player keeps at most 400 ms of moves unanswered and skips (counts) the rest, as a client sending its
        // newest position would. With the gateway's 32, one stall of the servers left seconds of stale moves queued
        // that they never drained at 20,000 moves/s (docs/benchmarks: "c. Spread again").
        var inFlight = new Option<int>("--max-in-flight")
        {
            Description = "raw driver: moves a player may have unanswered before it skips its next (0: the gateway's max_in_flight, 32)",
            DefaultValueFactory = _ => 4,
        };
        var command = new Command("fanout", "c. One zone, players moving at 10 Hz, spread out and clumped: entity updates delivered per second, tick p50/p99")
        {
            players, rate, warmup, duration, clump, cases, creatures, creature, driver, inFlight, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) => FanoutBenchmark.RunAsync(new FanoutBenchmark.Options(
            parse.GetValue(players), parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(duration)),
            parse.GetValue(clump), parse.GetValue(cases)!, parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out),
            parse.GetValue(creatures), parse.GetValue(creature)!, parse.GetValue(driver)!, parse.GetValue(inFlight)), token));
        return command;
    }

    private static Command CrowdView()
    {
        var players = new Option<string>("--players") { Description = "Crowd sizes, comma-separated", DefaultValueFactory = _ => "500,1000,2000,4000" };
        var ticks = new Option<int>("--ticks") { Description = "Ticks measured per crowd", DefaultValueFactory = _ => 50 };
        var clump = new Option<double>("--clump-radius") { Description = "Radius (m) the crowd stands in", DefaultValueFactory = _ => 15 };
        var churn = new Option<double>("--churn") { Description = "Share of the crowd that leaves (and is replaced) each tick, measured beside a crowd without churn; 0: only that one", DefaultValueFactory = _ => 0.01 };
        var spread = new Option<bool>("--spread") { Description = "Instead of a crowd: the players walk over a 1,000 m zone as in the fan-out benchmark's spread case" };
        var command = new Command("crowd-view", "c. The interest query alone, in process: one tick's view work for crowds of growing size (players x cap, or players squared?)")
        {
            players, ticks, clump, churn, spread, Out, RunDirectory,
        };
        command.SetAction((parse, token) => CrowdViewBenchmark.RunAsync(new CrowdViewBenchmark.Options(
            [.. parse.GetValue(players)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))],
            parse.GetValue(ticks), parse.GetValue(clump), parse.GetValue(churn), parse.GetValue(Out), parse.GetValue(spread)), token));
        return command;
    }

    private static Command Queue()
    {
        var online = new Option<int>("--online") { Description = "Players in the world, probing, before and during", DefaultValueFactory = _ => 1000 };
        var arrivals = new Option<int>("--arrivals") { Description = "Clients arriving at once", DefaultValueFactory = _ => 5000 };
        var capacity = new Option<int>("--capacity") { Description = "The world's capacity when they arrive", DefaultValueFactory = _ => 2000 };
        var raise = new Option<int>("--raise-per-second") { Description = "Places the operators add each second once the queue has formed", DefaultValueFactory = _ => 100 };
        var probeRate = new Option<double>("--probe-rate") { Description = "GetPlayer requests per second per online player", DefaultValueFactory = _ => 2 };
        var before = new Option<double>("--before") { Description = "Seconds measured before the arrivals", DefaultValueFactory = _ => 20 };
        var maxDuration = new Option<double>("--max-duration") { Description = "Seconds the arrivals may take to all get in", DefaultValueFactory = _ => 300 };
        var stay = new Option<double?>("--stay-seconds")
        {
            Description = "Each arrival leaves this long after it entered, so the queue moves as players leave a full world (with --raise-per-second 0); default: they stay",
        };
        var staySpread = new Option<double>("--stay-spread")
        {
            Description = "Each stay is --stay-seconds times a factor drawn evenly from 1 - spread to 1 + spread (0-1), so those who entered together do not leave together",
            DefaultValueFactory = _ => 0,
        };
        var residents = new Option<int>("--residents")
        {
            Description = "Players in the world before the arrivals besides the online ones, unmeasured; each leaves --stay-seconds after the arrivals start (the seed needs online + residents + arrivals)",
            DefaultValueFactory = _ => 0,
        };
        var onlineProcesses = new Option<int>("--online-processes") { Description = "Worker processes the online players run in (1: in this process, beside the arrivals)", DefaultValueFactory = _ => 2 };
        var gateways = new Option<int>("--gateways")
        {
            Description = "Gateway processes; every client takes one by its index, as behind a balancer (admission is per gateway: --session-starts is each one's rate)",
            DefaultValueFactory = _ => 1,
        };
        var onlineGatewayApart = new Option<bool>("--online-gateway-apart")
        {
            Description = "With --gateways 2 or more: the online players on the first gateway alone, the residents and arrivals on the others (a front door for the queue apart from the players')",
        };
        var control = new Option<double?>("--control-cores")
        {
            Description = "The control: instead of the arrivals, this many cores of plain CPU work at normal priority (0: nothing at all, the windows' own noise)",
        };
        var controlSeconds = new Option<double?>("--control-seconds") { Description = "How long the control lasts (default 52: about as long as 5,000 arrivals take)" };
        var command = new Command("queue", "e. Login queue: thousands arrive at once for a full world; FIFO, monotonic positions, pushes on time, online players' latency")
        {
            online, arrivals, capacity, raise, probeRate, before, maxDuration, stay, staySpread, residents, onlineProcesses, gateways, onlineGatewayApart, SessionStartsPerSecond, control, controlSeconds, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) => QueueBenchmark.RunAsync(new QueueBenchmark.Options(
            parse.GetValue(online), parse.GetValue(arrivals), parse.GetValue(capacity), parse.GetValue(raise), parse.GetValue(probeRate),
            TimeSpan.FromSeconds(parse.GetValue(before)), TimeSpan.FromSeconds(parse.GetValue(maxDuration)),
            parse.GetValue(onlineProcesses), parse.GetValue(SessionStartsPerSecond), parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out),
            parse.GetValue(control), parse.GetValue(controlSeconds) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            parse.GetValue(stay) is { } staySeconds ? TimeSpan.FromSeconds(staySeconds) : null, parse.GetValue(staySpread), parse.GetValue(residents),
            parse.GetValue(gateways), parse.GetValue(onlineGatewayApart)), token));
        return command;
    }

    private static Command SessionStarts()
    {
        var arrivals = new Option<int>("--arrivals") { Description = "Seeded players arriving (resume, ListCharacters, EnterWorld), measured", DefaultValueFactory = _ => 1500 };
        var warmup = new Option<int>("--warmup-arrivals") { Description = "Players arriving first, unmeasured (JIT and first-use caches), who stay in the world", DefaultValueFactory = _ => 100 };
        var idle = new Option<double>("--idle") { Description = "Seconds of quiet measured before and after the arrivals (the allocation the servers make anyway)", DefaultValueFactory = _ => 5 };
        var concurrency = new Option<int>("--concurrency") { Description = "Arrivals connecting and resuming at once", DefaultValueFactory = _ => 256 };
        var maxDuration = new Option<double>("--max-duration") { Description = "Seconds the arrivals may take to all get in", DefaultValueFactory = _ => 300 };
        var command = new Command("session-starts", "e. What one session start (resume, ListCharacters, EnterWorld) allocates in the silo and the gateway, and its CPU")
        {
            arrivals, warmup, idle, concurrency, SessionStartsPerSecond, maxDuration, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) => SessionStartsBenchmark.RunAsync(new SessionStartsBenchmark.Options(
            parse.GetValue(arrivals), parse.GetValue(warmup), TimeSpan.FromSeconds(parse.GetValue(idle)), parse.GetValue(concurrency),
            parse.GetValue(SessionStartsPerSecond), TimeSpan.FromSeconds(parse.GetValue(maxDuration)), parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out)), token));
        return command;
    }

    private static Command LoginStorm()
    {
        var online = new Option<int>("--online") { Description = "Players in the world during the storm", DefaultValueFactory = _ => 200 };
        var probeRate = new Option<double>("--probe-rate") { Description = "GetPlayer requests per second per online player", DefaultValueFactory = _ => 5 };
        var storm = new Option<int>("--storm") { Description = "Accounts logging in during the storm", DefaultValueFactory = _ => 3000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Logins in flight at once", DefaultValueFactory = _ => 400 };
        var before = new Option<double>("--before") { Description = "Seconds measured before the storm", DefaultValueFactory = _ => 20 };
        var duration = new Option<double>("--duration") { Description = "Seconds of storm", DefaultValueFactory = _ => 30 };
        var sources = new Option<int>("--storm-sources") { Description = "Source addresses the storm's logins come from (127.0.1.x onwards); 1 = one address", DefaultValueFactory = _ => 1 };
        var onlineProcesses = new Option<int>("--online-processes") { Description = "Worker processes for the online players (1 = in this process)", DefaultValueFactory = _ => 2 };
        var cheapHashes = new Option<bool>("--cheap-hashes")
        {
            Description = "The storm logs in to player accounts hashed at the seed's fixture cost (1,000 iterations): its traffic without its hashing CPU",
        };
        var warmup = new Option<int>("--warmup-logins")
        {
            Description = "Logins of accounts the storm does not use, before the measurement: the login path warm, as players who logged in leave it (0 = the storm's logins are the servers' first)",
            DefaultValueFactory = _ => 50,
        };
        var control = new Option<double?>("--control-cores")
        {
            Description = "The control: instead of the storm, this many cores of plain CPU work at normal priority for the storm's duration (0: nothing at all, the windows' own noise)",
        };
        var command = new Command("login-storm", "d. Logins per second at saturation, and online players' latency before vs during the storm")
        {
            online, probeRate, storm, concurrency, before, duration, sources, onlineProcesses, cheapHashes, SessionStartsPerSecond, warmup, control, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) => LoginStormBenchmark.RunAsync(new LoginStormBenchmark.Options(
            parse.GetValue(online), parse.GetValue(probeRate), parse.GetValue(storm), parse.GetValue(concurrency),
            TimeSpan.FromSeconds(parse.GetValue(before)), TimeSpan.FromSeconds(parse.GetValue(duration)),
            parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out), parse.GetValue(sources), parse.GetValue(onlineProcesses),
            parse.GetValue(cheapHashes), parse.GetValue(SessionStartsPerSecond), parse.GetValue(warmup), parse.GetValue(control)), token));
        return command;
    }

    private static Command WriteBehind()
    {
        var players = new Option<int>("--players") { Description = "Moving players", DefaultValueFactory = _ => 500 };
        var rate = new Option<double>("--move-rate") { Description = "Moves per second per player", DefaultValueFactory = _ => 5 };
        var duration = new Option<double>("--duration") { Description = "Seconds of movement per storage engine", DefaultValueFactory = _ => 60 };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string; also read from MMO_TEST_POSTGRES. Without one only SQLite runs" };
        var command = new Command("write-behind", "e. Mutations vs storage writes over a movement run, on SQLite and PostgreSQL")
        {
            players, rate, duration, postgres, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) => WriteBehindBenchmark.RunAsync(new WriteBehindBenchmark.Options(
            parse.GetValue(players), parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(duration)),
            parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("MMO_TEST_POSTGRES"),
            parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out)), token));
        return command;
    }

    private static Command StorageWrites()
    {
        var writers = new Option<int>("--writers") { Description = "Grains whose player state changes all the time", DefaultValueFactory = _ => 2000 };
        var interval = new Option<double>("--interval") { Description = "Seconds: the silo's WriteBehind:Interval (each grain writes at most this often)", DefaultValueFactory = _ => 0.25 };
        var change = new Option<double>("--change-every") { Description = "Seconds between two changes of one grain's state", DefaultValueFactory = _ => 0.25 };
        var concurrency = new Option<int>("--write-concurrency") { Description = "The silo's WriteBehind:MaxConcurrentWrites", DefaultValueFactory = _ => 32 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of writing, unmeasured, once every grain runs", DefaultValueFactory = _ => 10 };
        var duration = new Option<double>("--duration") { Description = "Seconds measured per storage engine", DefaultValueFactory = _ => 30 };
        var postgres = new Option<string?>("--postgres") { Description = "Npgsql connection string; also read from MMO_TEST_POSTGRES. Without one only SQLite runs" };
        var engines = new Option<string>("--engines") { Description = "Comma-separated engines to run, in order (sqlite, postgres)", DefaultValueFactory = _ => "sqlite,postgres" };
        var command = new Command("storage-writes", "h. Player-state writes per second the write-behind path sustains at the database's limit, on SQLite and PostgreSQL")
        {
            writers, interval, change, concurrency, warmup, duration, postgres, engines, Out, RunDirectory,
        };
        command.SetAction((parse, token) =>
        {
            var names = parse.GetValue(engines)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.FirstOrDefault(n => n is not ("sqlite" or "postgres")) is { } unknown)
            {
                throw new ArgumentException($"--engines: unknown engine '{unknown}' (sqlite, postgres)");
            }

            return StorageWritesBenchmark.RunAsync(new StorageWritesBenchmark.Options(
                parse.GetValue(writers), TimeSpan.FromSeconds(parse.GetValue(interval)), TimeSpan.FromSeconds(parse.GetValue(change)), parse.GetValue(concurrency),
                TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(duration)),
                parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("MMO_TEST_POSTGRES"), names,
                parse.GetValue(RunDirectory)!, parse.GetValue(Out)), token);
        });
        return command;
    }

    private static Command Abuse()
    {
        var defaults = new AbuseBenchmark.AttackSizes();
        var smoke = new Option<bool>("--smoke") { Description = "A few seconds per phase with tiny counts (CI): 4 online players, 2 s baseline, 2 s per attack, 0.5 s settle; other options are ignored" };
        var online = new Option<int>("--online") { Description = "Players in the world, playing, throughout", DefaultValueFactory = _ => 200 };
        var onlineProcesses = new Option<int>("--online-processes") { Description = "Worker processes the online players run in", DefaultValueFactory = _ => 2 };
        var moveRate = new Option<double>("--move-rate") { Description = "Moves per second per online player", DefaultValueFactory = _ => 2 };
        var probeRate = new Option<double>("--probe-rate") { Description = "GetPlayer requests per second per online player", DefaultValueFactory = _ => 2 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of play, unmeasured, once every online player is in the world", DefaultValueFactory = _ => 15 };
        var baseline = new Option<double>("--baseline") { Description = "Seconds measured before any attack", DefaultValueFactory = _ => 30 };
        var duration = new Option<double>("--attack-duration") { Description = "Seconds each attack runs", DefaultValueFactory = _ => 30 };
        var settle = new Option<double>("--settle") { Description = "Seconds of quiet before each attack", DefaultValueFactory = _ => 10 };
        var attacks = new Option<string>("--attacks") { Description = $"Comma-separated attacks to run, in order ({string.Join(",", AbuseAttacks.Names)})", DefaultValueFactory = _ => string.Join(",", AbuseAttacks.Names) };
        var guessAddresses = new Option<int>("--guess-addresses") { Description = "Client addresses guessing passwords through haproxy", DefaultValueFactory = _ => defaults.GuessAddresses };
        var guessConnections = new Option<int>("--guess-connections") { Description = "Guessing connections per address", DefaultValueFactory = _ => defaults.GuessConnectionsPerAddress };
        var registerConnections = new Option<int>("--register-connections") { Description = "Connections registering back to back (over 8 addresses)", DefaultValueFactory = _ => defaults.RegisterConnections };
        var speakers = new Option<int>("--chat-speakers") { Description = "Accounts saying WORLD lines", DefaultValueFactory = _ => defaults.ChatSpeakers };
        var slowReaders = new Option<int>("--slow-readers") { Description = "In-world receivers that read one push per 500 ms", DefaultValueFactory = _ => defaults.SlowReaders };
        var floodRate = new Option<double>("--flood-rate") { Description = "Connections a second that never say Hello (over 8 addresses)", DefaultValueFactory = _ => defaults.FloodConnectionsPerSecond };
        var pings = new Option<int>("--ping-connections") { Description = "Connections sending Pings they never read", DefaultValueFactory = _ => defaults.PingConnections };
        var portal = new Option<int>("--portal-characters") { Description = "Characters walking back and forth through two portals", DefaultValueFactory = _ => defaults.PortalCharacters };
        var tiny = new Option<int>("--tiny-movers") { Description = "Characters sending tiny moves", DefaultValueFactory = _ => defaults.TinyMovers };
        var tinyRate = new Option<double>("--tiny-move-rate") { Description = "Tiny moves a second per character", DefaultValueFactory = _ => defaults.TinyMovesPerSecond };
        var controlCores = new Option<double>("--control-cores")
        {
            Description = $"Cores of plain CPU the {AbuseAttacks.CpuControl} phase burns (named in --attacks: the control an attack's rise is held against)",
            DefaultValueFactory = _ => defaults.ControlCores,
        };
        var attackCycles = new Option<int>("--attack-cycles", "--chat-cycles")
        {
            Description = "Each attack (its characters in the world throughout) alternates this many times between idle and attacking, each half an --attack-duration; "
                + "its rise is the attacking windows' p99 over the idle ones' (0: one attacking phase against the baseline)",
            DefaultValueFactory = _ => 3,
        };
        var attackerNice = new Option<int>("--attacker-nice")
        {
            Description = "Niceness of the attacker's process (0-19): at 19 it takes the cores only when the servers and the online players leave them, "
                + "as a real attacker's CPU would be its own machine's (0: the same priority as everything else)",
            DefaultValueFactory = _ => 19,
        };
        var command = new Command("abuse", "Online players' latency, errors and the servers' memory while attackers try each known abuse in turn (issue 11)")
        {
            smoke, online, onlineProcesses, moveRate, probeRate, warmup, baseline, duration, settle, attacks, guessAddresses, guessConnections, registerConnections,
            speakers, slowReaders, floodRate, pings, portal, tiny, tinyRate, controlCores, attackCycles, attackerNice, SeedDirectory, Out, RunDirectory,
        };
        command.SetAction((parse, token) =>
        {
            var names = parse.GetValue(attacks)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.FirstOrDefault(n => !AbuseAttacks.IsKnown(n)) is { } unknown)
            {
                throw new ArgumentException($"--attacks: unknown attack '{unknown}' (one of {string.Join(", ", AbuseAttacks.Names)}, {AbuseAttacks.CpuControl})");
            }

            if (parse.GetValue(attackerNice) is < 0 or > 19)
            {
                throw new ArgumentException("--attacker-nice: from 0 (everyone's priority) to 19 (the lowest)");
            }

            var options = parse.GetValue(smoke)
                ? new AbuseBenchmark.Options(4, 1, 2, 2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(0.5), names,
                    new AbuseBenchmark.AttackSizes(GuessAddresses: 1, GuessConnectionsPerAddress: 2, RegisterConnections: 2, RegisterAddresses: 2, ChatSpeakers: 2,
                        SlowReaders: 1, FloodConnectionsPerSecond: 20, FloodAddresses: 2, FloodMaxOpen: 100, PingConnections: 1, PortalCharacters: 1, TinyMovers: 2),
                    parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out), AttackCycles: 1, AttackerNice: parse.GetValue(attackerNice))
                : new AbuseBenchmark.Options(
                    parse.GetValue(online), parse.GetValue(onlineProcesses), parse.GetValue(moveRate), parse.GetValue(probeRate),
                    TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(baseline)), TimeSpan.FromSeconds(parse.GetValue(duration)), TimeSpan.FromSeconds(parse.GetValue(settle)), names,
                    defaults with
                    {
                        GuessAddresses = parse.GetValue(guessAddresses),
                        GuessConnectionsPerAddress = parse.GetValue(guessConnections),
                        RegisterConnections = parse.GetValue(registerConnections),
                        ChatSpeakers = parse.GetValue(speakers),
                        SlowReaders = parse.GetValue(slowReaders),
                        FloodConnectionsPerSecond = parse.GetValue(floodRate),
                        PingConnections = parse.GetValue(pings),
                        PortalCharacters = parse.GetValue(portal),
                        TinyMovers = parse.GetValue(tiny),
                        TinyMovesPerSecond = parse.GetValue(tinyRate),
                        ControlCores = parse.GetValue(controlCores),
                    },
                    parse.GetValue(SeedDirectory)!, parse.GetValue(RunDirectory)!, parse.GetValue(Out), parse.GetValue(attackCycles), parse.GetValue(attackerNice));
            return AbuseBenchmark.RunAsync(options, token);
        });
        return command;
    }

    private static Command AbuseAttack()
    {
        var attack = new Option<string>("--attack") { Required = true };
        var gateway = new Option<string>("--gateway") { Required = true };
        var balancer = new Option<string>("--balancer") { DefaultValueFactory = _ => "" };
        var duration = new Option<double>("--duration") { DefaultValueFactory = _ => 30 };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 1 };
        var addresses = new Option<int>("--addresses") { DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate") { DefaultValueFactory = _ => 1 };
        var firstIndex = new Option<int>("--first-index") { DefaultValueFactory = _ => 0 };
        var secondSize = new Option<int>("--second-size") { DefaultValueFactory = _ => 0 };
        var octet = new Option<int>("--source-octet") { DefaultValueFactory = _ => 20 };
        var adminUrl = new Option<string?>("--admin-url");
        var adminKey = new Option<string?>("--admin-key");
        var settle = new Option<double>("--settle") { Description = "Seconds from the start until the attack starts (its characters enter meanwhile)", DefaultValueFactory = _ => 0 };
        var cycles = new Option<int>("--cycles") { Description = "Idle/active windows the attack alternates through over its duration (every attack but the control); 0: active throughout", DefaultValueFactory = _ => 0 };
        var command = new Command("abuse-attack", "One attack of the abuse benchmark, as its worker process")
        {
            attack, gateway, balancer, duration, size, addresses, rate, firstIndex, secondSize, octet, SeedDirectory, adminUrl, adminKey, settle, cycles,
        };
        command.Hidden = true;
        command.SetAction((parse, token) => AbuseAttacks.RunAsync(new AbuseAttacks.Settings(
            parse.GetValue(attack)!, Endpoint(parse.GetValue(gateway)!)!, Endpoint(parse.GetValue(balancer)!), TimeSpan.FromSeconds(parse.GetValue(duration)),
            parse.GetValue(size), parse.GetValue(addresses), parse.GetValue(rate), parse.GetValue(firstIndex), parse.GetValue(secondSize), parse.GetValue(octet),
            parse.GetValue(SeedDirectory)!, parse.GetValue(adminUrl), parse.GetValue(adminKey), TimeSpan.FromSeconds(parse.GetValue(settle)), parse.GetValue(cycles)), token));
        return command;

        static System.Net.DnsEndPoint? Endpoint(string value) =>
            value.Length == 0 ? null : new System.Net.DnsEndPoint(value[..value.LastIndexOf(':')], int.Parse(value[(value.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Command Chart()
    {
        var results = new Option<string>("--results") { Description = "Directory of result JSON files", DefaultValueFactory = _ => "docs/benchmarks/results" };
        var output = new Option<string>("--svg") { Description = "SVG file to write", DefaultValueFactory = _ => "docs/benchmarks/results.svg" };
        var command = new Command("chart", "Draws the results as one SVG chart") { results, output };
        command.SetAction(parse => Reporting.SvgChart.Write(parse.GetValue(results)!, parse.GetValue(output)!));
        return command;
    }
}
