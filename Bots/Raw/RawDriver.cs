using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Bots.Raw;

/// <summary>Settings of a <see cref="RawDriver"/>.</summary>
public sealed record RawDriverOptions
{
    /// <summary>Moves per second per player once moving.</summary>
    public double MoveRate { get; init; } = 10;

    /// <summary>Fraction of the zone's max_speed a player walks at; below 1 to leave room for jitter (as the bots).</summary>
    public double SpeedFactor { get; init; } = 0.8;

    /// <summary>Players wander within this many metres of where they entered; 0 roams the whole zone, clear of portals.</summary>
    public double RoamRadius { get; init; }

    /// <summary>
    /// Requests a player may have unanswered before it skips its next move (counted as skipped); 0: the gateway's
    /// max_in_flight (32 by default), i.e. a client that keeps sending at its rate whatever the server's delay, and the
    /// gateway's queue bounds it. A small number is a client that waits for its moves to be answered before sending
    /// more: under overload, moves are dropped at the client instead of queued in the gateway.
    /// </summary>
    public int MaxInFlight { get; init; }

    /// <summary>Players entering (connect, Hello, ResumeSession, EnterWorld) at once.</summary>
    public int EnterConcurrency { get; init; } = 64;

    /// <summary>How long each request of the way in waits for its answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the send loop wakes to write the moves that fell due since its last turn. A tenth of the move
    /// period or less keeps the moves of a crowd spread over time instead of in ten bursts a second.
    /// </summary>
    public TimeSpan SendSlice { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Each player's receive buffer to start with (it grows to the largest frame seen).</summary>
    public int ReceiveBufferBytes { get; init; } = 16 * 1024;

    /// <summary>The bot settings' counterparts (move rate, speed factor, roam radius, login concurrency, request timeout).</summary>
    public static RawDriverOptions From(BotSettings settings) => new()
    {
        MoveRate = settings.MoveRate,
        SpeedFactor = settings.SpeedFactor,
        RoamRadius = settings.RoamRadius,
        EnterConcurrency = settings.LoginConcurrency,
        RequestTimeout = settings.RequestTimeout,
    };
}

/// <summary>
/// A load driver for moving crowds that costs far less than the bots: each player is a bare socket, all players'
/// moves are written by one send loop (a timer every <see cref="RawDriverOptions.SendSlice"/> that writes each due
/// player's next Move, encoded into a reused buffer, without awaiting any answer: pipelined, at most
/// <see cref="RawDriverOptions.MaxInFlight"/> unanswered per player), and each socket's read loop only parses frame
/// headers and the few fields it counts (<see cref="RawFrames"/>): Move answers (accepted, corrected, refused; latency
/// from a per-player ring of send times), WorldUpdate pushes and their entries. The way in (Hello, ResumeSession with a seeded ticket,
/// EnterWorld) uses the Protocol project's messages, as the SDK does; it is not what is measured.
/// Counts go into a <see cref="BotMetrics"/> under the bots' counter names, so a benchmark reads either driver alike.
/// </summary>
public sealed class RawDriver : IAsyncDisposable
{
    private readonly RawPlayer?[] _players;
    private readonly SemaphoreSlim _enterGate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sendLoop;
    private volatile bool _moving;
    private volatile bool _stopping;

    /// <summary>A driver for up to <paramref name="capacity"/> players (slots 0 to capacity - 1); counts go to
    /// <paramref name="metrics"/> (a fresh one when null).</summary>
    public RawDriver(RawDriverOptions options, int capacity, BotMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MoveRate);
        Options = options;
        Metrics = metrics ?? new BotMetrics();
        _players = new RawPlayer?[capacity];
        _enterGate = new SemaphoreSlim(Math.Max(1, options.EnterConcurrency));
        _sendLoop = Task.Run(SendLoopAsync, CancellationToken.None);
    }

    public RawDriverOptions Options { get; }

    public BotMetrics Metrics { get; }

    internal bool Stopping => _stopping;

    /// <summary>Players in the world and still connected.</summary>
    public int InWorld => _players.Count(p => p is { Lost: false });

    /// <summary>Moves and pings sent and not answered yet, over all players.</summary>
    public long InFlight => _players.Sum(p => p is { Lost: false } ? p.InFlight : 0);

    /// <summary>
    /// Puts the player of <paramref name="slot"/> in the world by resuming the session of <paramref name="ticket"/>
    /// on <paramref name="gateway"/> (at most <see cref="RawDriverOptions.EnterConcurrency"/> at once). Returns the
    /// session's new ticket. Failures are counted (by code) and thrown.
    /// </summary>
    public async Task<string?> EnterAsync(int slot, DnsEndPoint gateway, string ticket, IPAddress? source = null, CancellationToken cancellationToken = default)
    {
        if (_players[slot] is not null)
        {
            throw new InvalidOperationException($"slot {slot} already holds a player");
        }

        await _enterGate.WaitAsync(cancellationToken);
        var socket = source is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(source.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var player = new RawPlayer(this, slot, socket);
        try
        {
            Metrics.Increment(Counter.Connected);
            await player.EnterAsync(gateway, source, ticket, cancellationToken);
            Volatile.Write(ref _players[slot], player);
            return player.Ticket;
        }
        catch (Exception ex)
        {
            Metrics.Decrement(Counter.Connected);
            if (ex is RawDriverException raw)
            {
                Metrics.Error(raw.Code);
            }
            else if (ex is SocketException socketError)
            {
                Metrics.Increment(Counter.ConnectFailures);
                Metrics.Error($"CONNECT_{socketError.SocketErrorCode}");
            }
            else if (ex is TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Metrics.Error("TIMEOUT");
            }

            await player.CloseAsync();
            throw;
        }
        finally
        {
            _enterGate.Release();
        }
    }

    /// <summary>Every player in the world starts (or resumes) moving at its next turn; players entering later move at once.</summary>
    public void StartMoving() => _moving = true;

    /// <summary>No more moves are sent (answers to those in flight still arrive and are counted).</summary>
    public void StopMoving() => _moving = false;

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        await _stop.CancelAsync();
        await _sendLoop;
        foreach (var player in _players)
        {
            if (player is not null)
            {
                await player.CloseAsync();
            }
        }

        _stop.Dispose();
        _enterGate.Dispose();
    }

    /// <summary>
    /// The one loop that writes every player's frames. Each turn: the moves that fell due, one per player; a player
    /// more than a period behind (the loop was starved of a core) drops the moves it missed rather than bunching them,
    /// which would break the per-connection move rate; while the crowd stands still, a Ping per heartbeat interval.
    /// </summary>
    private async Task SendLoopAsync()
    {
        var period = 1 / Options.MoveRate;
        var periodTicks = (long)(period * Stopwatch.Frequency);
        using var timer = new PeriodicTimer(Options.SendSlice);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                var moving = _moving;
                long sent = 0, moves = 0, skipped = 0;
                foreach (var player in _players)
                {
                    if (player is null || player.Lost)
                    {
                        continue;
                    }

                    if (!moving)
                    {
                        player.NextDue = 0;
                        sent += player.PingIfIdle(now) ? 1 : 0;
                        continue;
                    }

                    if (player.NextDue == 0)
                    {
                        player.NextDue = now + (long)(periodTicks * player.Phase);
                    }

                    if (now < player.NextDue)
                    {
                        continue;
                    }

                    player.NextDue += periodTicks;
                    if (player.NextDue <= now)
                    {
                        var missed = ((now - player.NextDue) / periodTicks) + 1;
                        skipped += missed;
                        player.NextDue += missed * periodTicks;
                    }

                    switch (player.TrySendMove(now, period))
                    {
                        case SendOutcome.Sent:
                            sent++;
                            moves++;
                            break;
                        case SendOutcome.Respawned:
                            sent++;
                            break;
                        case SendOutcome.Skipped:
                            skipped++;
                            break;
                    }
                }

                if (sent > 0)
                {
                    Metrics.Add(Counter.FramesOut, sent);
                    Metrics.Add(Counter.Requests, sent);
                }

                if (moves > 0)
                {
                    Metrics.Add(Counter.MovesSent, moves);
                }

                if (skipped > 0)
                {
                    Metrics.Add(Counter.MovesSkipped, skipped);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>
    /// The bot runner's shape for the raw driver: players <see cref="BotSettings.FirstIndex"/> onward resume the
    /// sessions of the ticket cache (<see cref="BotSettings.TicketCache"/>, required: the raw driver neither registers
    /// nor logs in) over <see cref="BotSettings.Gateways"/>, move once <see cref="BotSettings.MovesStart"/> completes
    /// (at once without it), for <see cref="BotSettings.Duration"/>. <paramref name="onSnapshot"/> sees the cumulative
    /// numbers once a second; <paramref name="maxInFlight"/> is <see cref="RawDriverOptions.MaxInFlight"/>. Chat,
    /// portals, GetPlayer, combat and reconnects are the bots' alone.
    /// </summary>
    public static async Task<RunSummary> RunInProcessAsync(
        BotSettings settings, TextWriter? progress, Action<MetricsSnapshot>? onSnapshot, CancellationToken cancellationToken, int maxInFlight = 0)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var tickets = TicketCache.Load(settings.TicketCache ?? throw new ArgumentException("the raw driver resumes seeded sessions: a ticket cache is required", nameof(settings)));
        var tracker = new ProgressTracker(settings.Bots, progress);
        var metrics = new BotMetrics();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        var driver = new RawDriver(RawDriverOptions.From(settings) with { MaxInFlight = maxInFlight }, settings.Bots, metrics);
        var entering = Task.WhenAll(Enumerable.Range(0, settings.Bots).Select(EnterOneAsync));
        var startMoving = (settings.MovesStart ?? Task.CompletedTask).ContinueWith(
            _ => driver.StartMoving(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        MetricsSnapshot final;
        try
        {
            using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (clock.Elapsed < settings.Duration && await ticker.WaitForNextTickAsync(stop.Token))
            {
                var snapshot = metrics.Snapshot();
                tracker.Observe(snapshot);
                onSnapshot?.Invoke(snapshot);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped early (the benchmark's window is over, or Ctrl+C): still summarise what happened.
        }

        final = metrics.Snapshot();
        await stop.CancelAsync();
        await entering;
        await driver.DisposeAsync();
        await startMoving;
        tracker.Observe(final);
        onSnapshot?.Invoke(final);
        if (!settings.TicketCacheReadOnly && settings.Bots > 0)
        {
            tickets.Save(settings.Prefix, settings.FirstIndex, settings.FirstIndex + settings.Bots - 1);
        }

        return tracker.Summarize(final, RunSettingsSummary.From(settings, settings.Bots, 1), startedAt);

        async Task EnterOneAsync(int slot)
        {
            var username = BotSettings.UsernameOf(settings.Prefix, settings.FirstIndex + slot);
            if (!tickets.TryGet(username, out var ticket))
            {
                metrics.Error("NO_TICKET");
                return;
            }

            var index = settings.FirstIndex + slot;
            var gateway = settings.Gateways[index % settings.Gateways.Count];
            var source = settings.Sources.Count == 0 ? null : settings.Sources[index % settings.Sources.Count];
            try
            {
                if (await driver.EnterAsync(slot, gateway, ticket, source, stop.Token) is { } renewed)
                {
                    tickets.Set(username, renewed);
                }
            }
            catch (Exception ex) when (ex is RawDriverException or SocketException or TimeoutException or OperationCanceledException or IOException)
            {
                // Counted by the driver; this player stays out.
            }
        }
    }
}
