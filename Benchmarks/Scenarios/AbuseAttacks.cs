using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Bots;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// The attacker side of the <c>abuse</c> benchmark, run in a worker process of its own (this tool's hidden
/// <c>abuse-attack</c> command) so that its sockets and loops do not share a process with the online players it
/// is measured against. Each attack runs for its duration and prints one <see cref="ResultLine"/>: what the
/// attacker achieved and what it was refused, counted by outcome (error code, disconnect reason).
/// </summary>
public static class AbuseAttacks
{
    public const string ResultLine = "ABUSE-RESULT ";

    /// <summary>Printed once the attack is in place (its characters in the world, and the settle over) and its time starts: the phase is measured from here.</summary>
    public const string ReadyLine = "ABUSE-READY";

    /// <summary>Printed when the attack's time is up, before its connections close: the phase is measured until here.</summary>
    public const string EndLine = "ABUSE-END";

    /// <summary>
    /// Printed, followed by <see cref="IdleWindow"/> or <see cref="ActiveWindow"/>, when an attack that alternates
    /// (<see cref="Settings.Cycles"/>) switches: its characters stay in the world throughout and only stop and resume
    /// attacking, so the phase holds the attack against those same characters being there and idle.
    /// </summary>
    public const string WindowLine = "ABUSE-WINDOW ";

    public const string IdleWindow = "idle";

    public const string ActiveWindow = "active";

    /// <summary>The attacks in the order the benchmark runs them.</summary>
    public static readonly string[] Names = ["login-guessing", "register-flood", "world-chat-flood", "connection-flood", "unread-pings", "portal-ping-pong", "tiny-moves"];

    /// <summary>
    /// Not an attack: the control of one. Plain CPU at normal priority in the attacker's process (<see cref="CpuBurner"/>,
    /// <c>--control-cores</c>), no request at all: what that much CPU alone costs the online players on this machine, to
    /// hold an attack's rise against. Run only when named in <c>--attacks</c>.
    /// </summary>
    public const string CpuControl = "cpu-control";

    /// <summary>What <c>--attacks</c> accepts: every attack, and the control.</summary>
    public static bool IsKnown(string name) => Names.Contains(name) || name == CpuControl;

    /// <summary>What one attack needs to know. <see cref="FirstIndex"/> is its first seed account (each attack uses its own: a resumed ticket is spent).</summary>
    public sealed record Settings(
        string Attack,
        DnsEndPoint Gateway,
        DnsEndPoint? Balancer,
        TimeSpan Duration,
        int Size,
        int Addresses,
        double Rate,
        int FirstIndex,
        int SecondSize,
        int SourceOctet,
        string SeedDirectory,
        string? AdminUrl,
        string? AdminKey,
        TimeSpan Settle,
        int Cycles = 0);

    /// <summary>Outcomes counted by name, and a few measured numbers.</summary>
    public sealed class Tally
    {
        public ConcurrentDictionary<string, long> Counts { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, double> Measured { get; } = new(StringComparer.Ordinal);

        public void Add(string outcome, long count = 1) => Counts.AddOrUpdate(outcome, count, (_, n) => n + count);

        /// <summary>Counts a failed request or connection under its code: the error code, the disconnect reason, or the exception's kind.</summary>
        public void Failed(string prefix, Exception exception) => Add($"{prefix}:{OutcomeOf(exception)}");
    }

    public static string OutcomeOf(Exception exception) => exception switch
    {
        MmoErrorException error => ErrorNames.Of(error.Code),
        MmoDisconnectedException { Info.Reason: { } reason } => "disconnected " + ErrorNames.Of(reason),
        MmoDisconnectedException disconnected => "disconnected " + disconnected.Info.Kind,
        TimeoutException => "TIMEOUT",
        SocketException socket => "socket " + socket.SocketErrorCode,
        IOException => "connection reset",
        _ => exception.GetType().Name,
    };

    public static async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Attacks that play characters first put them all in the world (entering is not the attack), then start.
        var characters = settings.Attack switch
        {
            "world-chat-flood" => settings.Size + settings.SecondSize,
            "portal-ping-pong" or "tiny-moves" or "unread-pings" => settings.Size,
            _ => 0,
        };
        var ready = new Readiness(characters);
        using var duty = new Duty(settings.Attack == CpuControl ? 0 : settings.Cycles);
        var switching = duty.RunAsync(settings.Duration, ready, tally, stop.Token);
        var clock = Stopwatch.StartNew();
        var attack = Task.Run(async () =>
        {
            if (characters == 0)
            {
                // Nothing to put in place: the attack itself waits for the settle.
                await ready.Started.WaitAsync(stop.Token);
            }

            await StartAttackAsync(settings, ready, duty, tally, stop.Token);
        }, CancellationToken.None);
        await Task.WhenAny(ready.All, attack, Task.Delay(TimeSpan.FromMinutes(2), cancellationToken));
        tally.Measured["secondsToReady"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
        // The settle before the attack, with its characters already in: a burst of characters entering the world
        // stalls the online players for a second or two by itself (a login storm, measured by its own benchmark),
        // and half a settle at least lets that pass before the attack is measured.
        var settledAt = clock.Elapsed + (settings.Settle / 2);
        var startAt = settledAt > settings.Settle ? settledAt : settings.Settle;
        if (startAt - clock.Elapsed is { Ticks: > 0 } left)
        {
            await Task.Delay(left, cancellationToken);
        }

        Console.WriteLine(ReadyLine);
        ready.Start();
        clock.Restart();
        // The attacker's own CPU over the phase: what its clients (or the control's burner) took of the machine.
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        // The end is marked before the connections close: a hundred characters leaving at once is not the attack either.
        using var ended = stop.Token.Register(() => Console.WriteLine(EndLine));
        stop.CancelAfter(settings.Duration);
        try
        {
            await attack;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The attack's time is up.
        }

        await switching;

        tally.Measured["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
        tally.Measured["cpuCores"] = Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds / clock.Elapsed.TotalSeconds, 2);
        if (Niceness() is { } nice)
        {
            tally.Measured["niceness"] = nice;
        }

        var line = JsonSerializer.Serialize(new { counts = tally.Counts, measured = tally.Measured });
        Console.WriteLine(ResultLine + line);
        return 0;
    }

    /// <summary>The process's niceness (field 19 of <c>/proc/self/stat</c>, after the command's name in parentheses); null off Linux.</summary>
    private static int? Niceness()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[16], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static Task StartAttackAsync(Settings settings, Readiness ready, Duty duty, Tally tally, CancellationToken stop) => settings.Attack switch
    {
        "login-guessing" => LoginGuessingAsync(settings, duty, tally, stop),
        "register-flood" => RegisterFloodAsync(settings, duty, tally, stop),
        "world-chat-flood" => WorldChatFloodAsync(settings, ready, duty, tally, stop),
        "connection-flood" => ConnectionFloodAsync(settings, duty, tally, stop),
        "unread-pings" => UnreadPingsAsync(settings, ready, duty, tally, stop),
        "portal-ping-pong" => PortalPingPongAsync(settings, ready, duty, tally, stop),
        "tiny-moves" => TinyMovesAsync(settings, ready, duty, tally, stop),
        // The control's cores come as the rate; it burns until the phase's time is up.
        CpuControl => CpuBurner.RunAsync(settings.Rate, settings.Duration, stop),
        _ => throw new ArgumentException($"unknown attack '{settings.Attack}' (one of {string.Join(", ", Names)}, {CpuControl})"),
    };

    /// <summary>Counts the attack's characters into the world; <see cref="All"/> completes when every one is in (or failed to get in).</summary>
    public sealed class Readiness(int expected)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly bool _none = expected == 0;
        private int _left = expected;

        public Task All => _none ? Task.CompletedTask : _all.Task;

        /// <summary>Completes when the attack's time starts (<see cref="Start"/>): every character waits for it once in.</summary>
        public Task Started => _started.Task;

        public void Start() => _started.TrySetResult();

        public void Signal()
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                _all.TrySetResult();
            }
        }

        /// <summary>Enters with <paramref name="enter"/>, counts it in (failed or not), and waits until the attack starts.</summary>
        public async Task<T> EnterAsync<T>(Func<Task<T>> enter, CancellationToken stop)
        {
            try
            {
                return await enter();
            }
            finally
            {
                Signal();
                await Started.WaitAsync(stop).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private static IPAddress Source(Settings settings, int i) =>
        IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.{settings.SourceOctet + i % Math.Max(1, settings.Addresses)}"));

    private static MmoClientOptions ClientOptions(IPAddress source) => new()
    {
        ClientName = "abuse",
        LocalAddress = source,
        RequestTimeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>Runs <paramref name="body"/> on <paramref name="count"/> loops until the token ends them.</summary>
    private static Task Loops(Tally tally, int count, Func<int, Task> body, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            try
            {
                await body(i);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Time is up.
            }
            catch (Exception ex) when (ex is MmoErrorException or MmoDisconnectedException or TimeoutException or IOException or SocketException or HttpRequestException)
            {
                // One attacker's end (a character that could not enter, a connection the gateway cut): counted, the others go on.
                tally.Failed("attacker ended", ex);
            }
        }, CancellationToken.None)));

    /// <summary>
    /// Connects (a fresh client each time the last was cut, or ended at an idle window: <paramref name="session"/> returns
    /// when <see cref="Duty.Active"/> is over) and runs <paramref name="session"/> on it until the end; connects only while
    /// the attack is on.
    /// </summary>
    private static async Task ReconnectingAsync(DnsEndPoint endpoint, IPAddress source, Duty duty, Tally tally, Func<MmoClient, Task> session, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await duty.WhenActiveAsync(stop);
            MmoClient client;
            try
            {
                client = await MmoClient.ConnectAsync(endpoint.Host, endpoint.Port, ClientOptions(source), stop);
                tally.Add("connected");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                tally.Failed("connect", ex);
                await Task.Delay(TimeSpan.FromMilliseconds(200), stop);
                continue;
            }

            await using (client)
            {
                try
                {
                    await session(client);
                }
                catch (Exception ex) when (ex is MmoDisconnectedException or IOException or SocketException or TimeoutException)
                {
                    tally.Failed("cut", ex);
                }
            }
        }
    }

    /// <summary>Login guessing through the balancer: wrong passwords from a few client addresses, while an honest client
    /// behind the same balancer, at another address, logs in with its correct password once a second.</summary>
    private static async Task LoginGuessingAsync(Settings settings, Duty duty, Tally tally, CancellationToken stop)
    {
        var balancer = settings.Balancer ?? throw new InvalidOperationException("login guessing needs the balancer's endpoint");
        var guessers = Loops(tally, settings.Size * settings.Addresses, i => ReconnectingAsync(balancer, Source(settings, i), duty, tally, async client =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested && duty.Active)
            {
                // Existing names (the seed's) and names nobody has: they must be answered alike.
                var name = n++ % 2 == 0 ? BotSettings.UsernameOf(BenchmarkSeed.Prefix, settings.FirstIndex + 1 + (i % 50)) : $"nobody{i:D3}x{n:D6}";
                try
                {
                    await client.LoginAsync(name, $"guess-{n}", stop);
                    tally.Add("guess:OK");
                }
                catch (MmoErrorException ex)
                {
                    tally.Failed("guess", ex);
                }
            }
        }, stop), stop);

        var honestSource = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.{settings.SourceOctet + settings.Addresses + 1}"));
        var honestName = BotSettings.UsernameOf(BenchmarkSeed.Prefix, settings.FirstIndex);
        var honestPassword = BotSettings.PasswordOf(BenchmarkSeed.Prefix, settings.FirstIndex);
        var honest = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await using var client = await MmoClient.ConnectAsync(balancer.Host, balancer.Port, ClientOptions(honestSource), stop);
                    var started = Stopwatch.GetTimestamp();
                    await client.LoginAsync(honestName, honestPassword, stop);
                    tally.Add("honest login:OK");
                    tally.Measured.AddOrUpdate("honestLoginMaxMs", Stopwatch.GetElapsedTime(started).TotalMilliseconds, (_, max) => Math.Max(max, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    tally.Failed("honest login", ex);
                }
            }
        }, CancellationToken.None);
        await guessers;
        await honest.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Register flood: many connections from a few addresses registering fresh names back to back.</summary>
    private static Task RegisterFloodAsync(Settings settings, Duty duty, Tally tally, CancellationToken stop)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        return Loops(tally, settings.Size, i => ReconnectingAsync(settings.Gateway, Source(settings, i), duty, tally, async client =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested && duty.Active)
            {
                try
                {
                    await client.RegisterAsync($"flood{run}{i:D3}{n++:D5}", "flood-password-123", stop);
                    tally.Add("register:OK");
                }
                catch (MmoErrorException ex)
                {
                    tally.Failed("register", ex);
                }
            }
        }, stop), stop);
    }

    /// <summary>Resumes seed account <paramref name="index"/> with its ticket and enters the world with its character.</summary>
    private static async Task<(MmoClient Client, CharacterSummary Character, EnterWorldResponse Entered)> EnterAsync(
        Settings settings, TicketCache tickets, int index, IPAddress source, Tally tally, CancellationToken stop, MmoClientOptions? options = null)
    {
        var username = BotSettings.UsernameOf(BenchmarkSeed.Prefix, index);
        if (!tickets.TryGet(username, out var token))
        {
            throw new InvalidOperationException($"the seed has no ticket for {username}");
        }

        options ??= ClientOptions(source);
        options.LocalAddress = source;
        var client = await MmoClient.ConnectAsync(settings.Gateway.Host, settings.Gateway.Port, options, stop);
        try
        {
            while (true)
            {
                try
                {
                    await client.ResumeSessionAsync(token, stop);
                    break;
                }
                catch (MmoErrorException ex) when (ex.RetryAfter is { } wait)
                {
                    // Session-start admission (BUSY): come back when told, as a client does.
                    tally.Failed("enter", ex);
                    await Task.Delay(wait, stop);
                }
            }

            var character = (await client.ListCharactersAsync(stop))[0];
            var entered = await client.EnterWorldAsync(character.CharacterId, stop);
            tally.Add("entered world");
            return (client, character, entered);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads a connection's pushes until it closes (an attacker who keeps up, so it is not cut for being slow).</summary>
    private static async Task DrainAsync(MmoClient client, Tally tally, string counter, TimeSpan? perPush = null)
    {
        try
        {
            await foreach (var push in client.ReadPushesAsync())
            {
                if (push.Opcode == Opcode.ChatMessage)
                {
                    tally.Add(counter);
                }

                if (perPush is { } wait)
                {
                    await Task.Delay(wait);
                }
            }
        }
        catch (Exception ex) when (ex is MmoDisconnectedException or IOException or OperationCanceledException)
        {
            // The connection ended.
        }

        if (client.Disconnected.IsCompletedSuccessfully && await client.Disconnected is { Reason: { } reason })
        {
            tally.Add($"{counter} cut:{ErrorNames.Of(reason)}");
        }
    }

    /// <summary>World-chat flood: many accounts say one WORLD line a second each, while some receivers read their pushes slowly.</summary>
    private static async Task WorldChatFloodAsync(Settings settings, TicketCache tickets, Readiness ready, Duty duty, Tally tally, CancellationToken stop)
    {
        var speakers = Loops(tally, settings.Size, async i =>
        {
            var (client, _, _) = await ready.EnterAsync(async () =>
            {
                var entered = await EnterAsync(settings, tickets, settings.FirstIndex + i, Source(settings, i), tally, stop);
                if (i == 0)
                {
                    // One line before the attack: the first WORLD line of a silo's life activates the channel's grains
                    // and compiles its code in every process on its way (a live world has them warm); the flood is
                    // measured, not that.
                    await entered.Client.ChatAsync(ChatChannel.World, "warming up", cancellationToken: stop);
                }

                return entered;
            }, stop);
            Task reading;
            await using (client)
            {
                reading = DrainAsync(client, tally, "speaker heard");
                // Each speaker at its own moment of the period, as when they entered one after the other: the channel's
                // budget then lets lines through evenly rather than in one burst a period.
                await Task.Delay(TimeSpan.FromSeconds(Random.Shared.NextDouble() / settings.Rate), stop);
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / settings.Rate));
                var n = 0;
                while (await timer.WaitForNextTickAsync(stop))
                {
                    if (!duty.Active)
                    {
                        continue;
                    }

                    try
                    {
                        await client.ChatAsync(ChatChannel.World, $"buy gold at example.test #{i}-{n++}", cancellationToken: stop);
                        tally.Add("world line:OK");
                    }
                    catch (MmoErrorException ex)
                    {
                        tally.Failed("world line", ex);
                    }
                }
            }

            // The connection is closed: its reader ends.
            await reading;
        }, stop);
        var readers = Loops(tally, settings.SecondSize, async i =>
        {
            // A small push channel that waits when full: the client stops reading its socket while its channel is full.
            var options = ClientOptions(Source(settings, settings.Size + i));
            options.PushChannelCapacity = 4;
            var (client, _, _) = await ready.EnterAsync(
                () => EnterAsync(settings, tickets, settings.FirstIndex + settings.Size + i, Source(settings, settings.Size + i), tally, stop, options), stop);
            await using (client)
            {
                await DrainAsync(client, tally, "slow reader heard", TimeSpan.FromMilliseconds(500)).WaitAsync(stop);
            }
        }, stop);
        await Task.WhenAll(speakers, readers);
    }

    /// <summary>
    /// Whether an alternating attack is attacking now. With no cycles it always is; with N it starts idle and switches
    /// 2N times, evenly over the attack's duration, announcing each switch (<see cref="WindowLine"/>) so the benchmark
    /// measures each kind of window on its own. Windows alternate so the machine's own drift over the phase falls on
    /// both alike (a run's baseline and quiet end differ by more than the 25% the goal allows).
    /// </summary>
    private sealed class Duty(int cycles) : IDisposable
    {
        // Completed while attacking; replaced by an open one at each idle window.
        private volatile TaskCompletionSource _activeAgain = NewActiveSignal(cycles <= 0);
        private volatile CancellationTokenSource _window = new();

        public bool Active => _activeAgain.Task.IsCompleted;

        public void Dispose() => _window.Dispose();

        /// <summary>Completes at once while attacking, else when the next active window begins.</summary>
        public Task WhenActiveAsync(CancellationToken stop) => _activeAgain.Task.WaitAsync(stop);

        /// <summary>Cancelled when the active window it was taken in ends: what the attack holds open is let go then.</summary>
        public CancellationToken ActiveWindowToken => _window.Token;

        private static TaskCompletionSource NewActiveSignal(bool active)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (active)
            {
                signal.SetResult();
            }

            return signal;
        }

        private void Switch(bool active)
        {
            if (active)
            {
                // The last window's source is left to the collector, not disposed: a loop may still read its token.
                _window = new CancellationTokenSource();
                _activeAgain.TrySetResult();
            }
            else
            {
                _activeAgain = NewActiveSignal(false);
                _window.Cancel();
            }
        }

        public async Task RunAsync(TimeSpan duration, Readiness ready, Tally tally, CancellationToken stop)
        {
            if (cycles <= 0)
            {
                return;
            }

            try
            {
                await ready.Started.WaitAsync(stop);
                var half = duration / (2 * cycles);
                for (var cycle = 0; cycle < cycles; cycle++)
                {
                    foreach (var active in (bool[])[false, true])
                    {
                        Switch(active);
                        var kind = active ? ActiveWindow : IdleWindow;
                        Console.WriteLine(WindowLine + kind);
                        tally.Add("window:" + kind);
                        await Task.Delay(half, stop);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The attack's time is up.
            }
        }
    }

    private static Task WorldChatFloodAsync(Settings settings, Readiness ready, Duty duty, Tally tally, CancellationToken stop) =>
        WorldChatFloodAsync(settings, TicketCache.Load(Path.Combine(settings.SeedDirectory, "tickets")), ready, duty, tally, stop);

    /// <summary>Connection flood: connections from several addresses that never say Hello, opened at a rate, each held until the gateway closes it.</summary>
    private static async Task ConnectionFloodAsync(Settings settings, Duty duty, Tally tally, CancellationToken stop)
    {
        var held = new ConcurrentBag<Task>();
        var perAddress = settings.Rate / settings.Addresses;
        var open = 0L;
        var maxOpen = 0L;
        await Loops(tally, settings.Addresses, async a =>
        {
            var source = Source(settings, a);
            var interval = TimeSpan.FromSeconds(1 / perAddress);
            var clock = Stopwatch.StartNew();
            var due = TimeSpan.Zero;
            while (!stop.IsCancellationRequested)
            {
                if (!duty.Active)
                {
                    // Idle: the connections held are let go (their window's token), and the rate starts afresh.
                    await duty.WhenActiveAsync(stop);
                    clock.Restart();
                    due = TimeSpan.Zero;
                }

                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, stop);
                }

                due += interval;
                // Leave room under the process's open-files limit (20,000 here).
                if (Interlocked.Read(ref open) >= settings.Size)
                {
                    tally.Add("not opened (attacker's own cap)");
                    continue;
                }

                held.Add(HoldAsync(source, duty.ActiveWindowToken));
            }
        }, stop);
        await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        tally.Measured["maxOpenAtOnce"] = Interlocked.Read(ref maxOpen);

        async Task HoldAsync(IPAddress source, CancellationToken window)
        {
            using var letGo = CancellationTokenSource.CreateLinkedTokenSource(stop, window);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(settings.Gateway.Host, settings.Gateway.Port, stop);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                tally.Add(ex is SocketException s ? $"connect:{s.SocketErrorCode}" : "connect:cancelled");
                return;
            }

            var now = Interlocked.Increment(ref open);
            InterlockedMax(ref maxOpen, now);
            var opened = Stopwatch.GetTimestamp();
            try
            {
                // Never say anything; read what the gateway says before it closes.
                var buffer = new byte[512];
                var length = 0;
                int read;
                while ((read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, letGo.Token)) > 0)
                {
                    length = Math.Min(buffer.Length - 1, length + read);
                }

                var outcome = DisconnectReasonIn(buffer.AsSpan(0, length));
                tally.Add($"closed:{outcome}");
                var heldMs = Stopwatch.GetElapsedTime(opened).TotalMilliseconds;
                tally.Measured.AddOrUpdate($"longestHeldMs {outcome}", heldMs, (_, max) => Math.Max(max, heldMs));
            }
            catch (OperationCanceledException)
            {
                tally.Add(stop.IsCancellationRequested ? "still open at the end" : "let go at an idle window");
            }
            catch (SocketException ex)
            {
                tally.Add($"closed:socket {ex.SocketErrorCode}");
            }
            finally
            {
                Interlocked.Decrement(ref open);
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>The reason of a Disconnect push at the start of <paramref name="bytes"/>, or "no notice".</summary>
    private static string DisconnectReasonIn(ReadOnlySpan<byte> bytes)
    {
        var sequence = new System.Buffers.ReadOnlySequence<byte>(bytes.ToArray());
        while (FrameCodec.TryReadFrame(ref sequence, 64 * 1024, out var frame) == FrameReadStatus.Complete)
        {
            if (frame.Opcode == (ushort)Opcode.Disconnect)
            {
                return ErrorNames.Of(DisconnectNotice.Parser.ParseFrom(frame.Payload).Reason);
            }
        }

        return "no notice";
    }

    /// <summary>Unread pings: logged-in players (in the world, so no login timeout cuts them) whose client stops reading its
    /// socket (a push channel of one, full), then send Pings with echoes at the gateway's cap (and every tenth one far over
    /// it) at a rate under the request limit and never read the answers: only the outbound queue's bounds can stop them.</summary>
    private static async Task UnreadPingsAsync(Settings settings, Readiness ready, Duty duty, Tally tally, CancellationToken stop)
    {
        var tickets = TicketCache.Load(Path.Combine(settings.SeedDirectory, "tickets"));
        var atCap = new byte[settings.SecondSize];
        // Far over the echo cap, within the frame limit (64 KiB): refused with PING_ECHO_TOO_LARGE, nothing echoed.
        var oversized = new byte[60_000];
        var interval = TimeSpan.FromSeconds(1 / settings.Rate);
        await Loops(tally, settings.Size, async i =>
        {
            var options = ClientOptions(Source(settings, i));
            options.PushChannelCapacity = 1;
            options.RequestTimeout = TimeSpan.FromMinutes(10);
            var (client, _, _) = await ready.EnterAsync(() => EnterAsync(settings, tickets, settings.FirstIndex + i, Source(settings, i), tally, stop, options), stop);
            await using (client)
            {
                // Pushes nobody takes (world updates, and the speaker hears its own SAY lines) fill the channel of one, and
                // the client stops reading its socket: answers that come after them are never read.
                var pending = new List<Task> { Quietly(client.SayAsync("first", stop)), Quietly(client.SayAsync("second", stop)) };
                var opened = Stopwatch.GetTimestamp();
                var echoed = 0L;
                using var timer = new PeriodicTimer(interval);
                try
                {
                    for (var n = 0; client.IsConnected && await timer.WaitForNextTickAsync(stop); n++)
                    {
                        if (!duty.Active)
                        {
                            continue;
                        }

                        var echo = n % 10 == 9 ? oversized : atCap;
                        pending.Add(Quietly(client.PingAsync(echo, stop)));
                        tally.Add(echo == atCap ? "ping sent (echo at the cap)" : "ping sent (60 KB echo)");
                        echoed += echo == atCap ? echo.Length : 0;
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Time is up; what was achieved is counted below.
                }

                var mib = echoed / (1024.0 * 1024);
                tally.Measured.AddOrUpdate("mostEchoMiBAskedOnOneConnection", mib, (_, max) => Math.Max(max, mib));
                if (!client.IsConnected)
                {
                    var info = await client.Disconnected;
                    tally.Add($"cut:{(info.Reason is { } reason ? ErrorNames.Of(reason) : info.Kind.ToString())}");
                    var seconds = Stopwatch.GetElapsedTime(opened).TotalSeconds;
                    tally.Measured.AddOrUpdate("longestSecondsBeforeCut", seconds, (_, max) => Math.Max(max, seconds));
                }

                pending.RemoveAll(t => t.IsCompleted);
                tally.Measured.AddOrUpdate("unansweredAtTheEnd", pending.Count, (_, n) => n + pending.Count);
            }
        }, stop);

        async Task Quietly(Task request)
        {
            try
            {
                await request;
                tally.Add("answered (the client was still reading)");
            }
            catch (Exception ex) when (ex is MmoErrorException or MmoDisconnectedException or TimeoutException or OperationCanceledException)
            {
                // Unread on purpose: what the gateway did is seen from the connection's end.
            }
        }
    }

    /// <summary>Portal ping-pong: characters put next to the meadow/forest portals walk back and forth through them at full speed.</summary>
    private static async Task PortalPingPongAsync(Settings settings, Readiness ready, Duty duty, Tally tally, CancellationToken stop)
    {
        var tickets = TicketCache.Load(Path.Combine(settings.SeedDirectory, "tickets"));
        using var api = new HttpClient { BaseAddress = new Uri(settings.AdminUrl ?? throw new InvalidOperationException("portal ping-pong needs the silo's admin URL")) };
        api.DefaultRequestHeaders.Add("X-Admin-Key", settings.AdminKey);
        await Loops(tally, settings.Size, async i =>
        {
            // In place before the attack starts (entering and the operator's teleport are not the attack): the
            // character 10 m from the forest's portal to the meadow (GameData/zones.json).
            var (client, player) = await ready.EnterAsync(async () =>
            {
                var (client, character, _) = await EnterAsync(settings, tickets, settings.FirstIndex + i, Source(settings, i), tally, stop);
                try
                {
                    using (var response = await api.PostAsJsonAsync(
                        $"/api/characters/{Uri.EscapeDataString(character.WorldId)}/{Uri.EscapeDataString(character.Name)}/teleport", new { zone = "forest", x = 30f, y = 500f }, stop))
                    {
                        response.EnsureSuccessStatusCode();
                    }

                    return (client, await client.GetPlayerAsync(stop));
                }
                catch
                {
                    await client.DisposeAsync();
                    throw;
                }
            }, stop);
            Task reading;
            await using (client)
            {
                reading = DrainAsync(client, tally, "chat heard");
                var zone = player.ZoneId;
                var x = player.Position.X;
                var y = player.Position.Y;
                var step = 0.65f; // 6.5 m/s at 10 Hz: under the 7 m/s maximum
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
                while (await timer.WaitForNextTickAsync(stop))
                {
                    if (!duty.Active)
                    {
                        continue;
                    }

                    // Forest: west to x 10 (its portal is x 0-20). Meadow: east to x 990 (its portal is x 980-1000).
                    var target = zone == "forest" ? 10f : 990f;
                    var nx = Math.Abs(target - x) <= step ? target : x + Math.Sign(target - x) * step;
                    try
                    {
                        var moved = await client.MoveAsync(nx, y, stop);
                        if (moved.ZoneChanged is { } arrival)
                        {
                            tally.Add("zone changed");
                            zone = arrival.Zone.ZoneId;
                            x = arrival.Position.X;
                            y = arrival.Position.Y;
                        }
                        else
                        {
                            tally.Add(moved.Accepted ? "move:OK" : $"move:corrected {moved.Rejection}");
                            x = moved.Position.X;
                            y = moved.Position.Y;
                        }
                    }
                    catch (MmoErrorException ex)
                    {
                        tally.Failed("move", ex);
                    }
                }
            }

            // The connection is closed: its reader ends.
            await reading;
        }, stop);
        // Alternating, the characters walk half the time.
        var seconds = settings.Duration.TotalSeconds / (settings.Cycles > 0 ? 2 : 1);
        tally.Measured["zoneChangesPerSecondPerCharacter"] = Math.Round(tally.Counts.GetValueOrDefault("zone changed") / seconds / settings.Size, 3);
    }

    /// <summary>Tiny moves: characters sending many small moves a second each (0.06 m apart, along a line), as fast as answered.</summary>
    private static async Task TinyMovesAsync(Settings settings, Readiness ready, Duty duty, Tally tally, CancellationToken stop)
    {
        var tickets = TicketCache.Load(Path.Combine(settings.SeedDirectory, "tickets"));
        var covered = new ConcurrentBag<double>();
        await Loops(tally, settings.Size, async i =>
        {
            var (client, _, entered) = await ready.EnterAsync(() => EnterAsync(settings, tickets, settings.FirstIndex + i, Source(settings, i), tally, stop), stop);
            Task reading;
            await using (client)
            {
                reading = DrainAsync(client, tally, "chat heard");
                var zone = entered.Arrival.Zone;
                var x = entered.Arrival.Position.X;
                var y = entered.Arrival.Position.Y;
                var direction = x < zone.Width / 2 ? 1f : -1f;
                var startX = x;
                var started = Stopwatch.GetTimestamp();
                var interval = TimeSpan.FromSeconds(1 / settings.Rate);
                var due = TimeSpan.Zero;
                var inFlight = new List<Task>();
                var idle = TimeSpan.Zero;
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        if (!duty.Active)
                        {
                            // Standing still while idle: not counted in the speed covered, and no catching up after.
                            var idleFrom = Stopwatch.GetTimestamp();
                            await duty.WhenActiveAsync(stop);
                            idle += Stopwatch.GetElapsedTime(idleFrom);
                            due = Stopwatch.GetElapsedTime(started);
                        }

                        var wait = due - Stopwatch.GetElapsedTime(started);
                        if (wait > TimeSpan.FromMilliseconds(1))
                        {
                            await Task.Delay(wait, stop);
                        }

                        due += interval;
                        x += direction * 0.06f;
                        inFlight.Add(MoveAsync(client, x, y));
                        inFlight.RemoveAll(t => t.IsCompleted);
                    }
                }
                finally
                {
                    await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
                    if (client.IsConnected)
                    {
                        try
                        {
                            var player = await client.GetPlayerAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
                            covered.Add(Math.Abs(player.Position.X - startX) / (Stopwatch.GetElapsedTime(started) - idle).TotalSeconds);
                        }
                        catch (Exception ex) when (ex is MmoErrorException or MmoDisconnectedException or TimeoutException)
                        {
                            tally.Failed("final position", ex);
                        }
                    }
                }
            }

            // The connection is closed: its reader ends.
            await reading;
        }, stop);
        if (!covered.IsEmpty)
        {
            // What the path cut into tiny moves gained: metres per second covered, against the zone's 7 m/s.
            tally.Measured["fastestMetresPerSecondCovered"] = Math.Round(covered.Max(), 2);
        }

        async Task MoveAsync(MmoClient client, float x, float y)
        {
            try
            {
                var moved = await client.MoveAsync(x, y, stop);
                tally.Add(moved.Accepted ? "move:OK" : $"move:corrected {moved.Rejection}");
            }
            catch (MmoErrorException ex)
            {
                tally.Failed("move", ex);
            }
            catch (Exception ex) when (ex is MmoDisconnectedException or TimeoutException)
            {
                tally.Failed("move", ex);
            }
            catch (OperationCanceledException)
            {
                // Time is up.
            }
        }
    }
}
