using System.Diagnostics;
using OrleansMmo.Bots.Metrics;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Bots;

/// <summary>A bot that is in the world: its connection and where it stands.</summary>
public sealed class InWorldSession(MmoClient client, string characterId, ZoneArrival? arrival, Task pushCounting, WorldView? view = null)
{
    public MmoClient Client { get; } = client;

    /// <summary>What the bot knows of its zone (combat bots only); lock on it: pushes apply while the bot plays.</summary>
    public WorldView? View { get; } = view;

    /// <summary>Counts the connection's pushes; ends when the connection does.</summary>
    public Task PushCounting { get; } = pushCounting;

    public string CharacterId { get; } = characterId;

    /// <summary>The character's name (what other bots invite it to trade by).</summary>
    public string Name { get; init; } = "";

    /// <summary>Null when the gateway's EnterWorld response carries no arrival (a gateway without the world).</summary>
    public ZoneArrival? Arrival { get; set; } = arrival;
}

/// <summary>
/// One simulated player: connects, registers (once, ever: names are deterministic), logs in or resumes
/// with a cached ticket, creates a character if it has none, enters the world and plays: walks between
/// waypoints at a set rate within the zone's bounds and max_speed, chats now and then, walks into
/// portals. Every request is timed and every failure counted by its code; BUSY, LOGIN_THROTTLED and
/// RATE_LIMITED are retried after the server's retry_after.
/// </summary>
public sealed partial class Bot
{
    private readonly BotSettings _settings;
    private readonly BotMetrics _metrics;
    private readonly TicketCache? _tickets;
    private readonly SemaphoreSlim _loginGate;
    private readonly Random _random;
    private string? _characterId;

    /// <summary>The bot's place in a world's queue, kept across a reconnect (the world keeps it for its grace period).</summary>
    private string? _queueTicket;

    public Bot(int index, BotSettings settings, BotMetrics metrics, TicketCache? tickets, SemaphoreSlim loginGate)
    {
        Index = index;
        _settings = settings;
        _metrics = metrics;
        _tickets = tickets;
        _loginGate = loginGate;
        _random = new Random(index);
        Username = BotSettings.UsernameOf(settings.Prefix, index);
        Password = BotSettings.PasswordOf(settings.Prefix, index);
    }

    public int Index { get; }

    public string Username { get; }

    private string Password { get; }

    /// <summary>Plays until <paramref name="stop"/>; reconnects after a lost connection if the settings say so.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await PlayUntilStoppedAsync(stop);
        }
        finally
        {
            // Entered the world but ended without reading its final inventory (its connection was lost at the end).
            if (_ledgerStart is not null && !_ledgerClosed)
            {
                _metrics.Increment(Counter.LedgerBotsUnread);
            }
        }
    }

    private async Task PlayUntilStoppedAsync(CancellationToken stop)
    {
        var attempt = 0;
        while (!stop.IsCancellationRequested)
        {
            InWorldSession? session = null;
            try
            {
                session = await EnterWorldAsync(stop);
                if (_settings.SeedOnly || _settings.LoginOnly)
                {
                    return;
                }

                attempt = 0;
                await PlayAsync(session, stop);
                if (_settings.StayInWorld is not null && !stop.IsCancellationRequested)
                {
                    // Stayed its time: it leaves (below) and does not come back.
                    _metrics.Increment(Counter.LeftAfterStay);
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is MmoDisconnectedException or MmoErrorException or TimeoutException or IOException or System.Net.Sockets.SocketException or MmoProtocolException)
            {
                // Counted where it happened; fall through to reconnect.
            }
            finally
            {
                if (session is not null)
                {
                    if (stop.IsCancellationRequested && session.View is not null)
                    {
                        await CloseLedgerAsync(session);
                    }

                    await LeaveAsync(session);
                }
            }

            if (!_settings.Reconnect || stop.IsCancellationRequested)
            {
                return;
            }

            // Back off 1, 2, 4 ... 16 s so a gateway that went away is not hammered by every bot at once.
            var delay = TimeSpan.FromSeconds(Math.Min(16, 1 << Math.Min(attempt++, 4)) * (0.5 + _random.NextDouble()));
            try
            {
                await Task.Delay(delay, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Connects, authenticates, makes sure a character exists and enters the world with it.
    /// The caller owns the session and must hand it to <see cref="LeaveAsync"/>.</summary>
    public async Task<InWorldSession> EnterWorldAsync(CancellationToken stop)
    {
        // A bot waits for its turn to authenticate before it connects: the gateway closes connections that stay
        // unauthenticated for 10 s, and a crowd of bots queueing for the silo (password hashing, or the account
        // writes behind thousands of resumes) would hit that and waste the work already done for them.
        await _loginGate.WaitAsync(stop);
        MmoClient client;
        try
        {
            client = await ConnectAsync(stop);
        }
        catch
        {
            _loginGate.Release();
            throw;
        }

        _metrics.Increment(Counter.Connected);
        var succeeded = false;
        try
        {
            string? lastCharacter;
            try
            {
                lastCharacter = await AuthenticateAsync(client, stop);
            }
            finally
            {
                _loginGate.Release();
            }

            if (_settings.LoginOnly)
            {
                succeeded = true;
                return new InWorldSession(client, "", null, Task.CompletedTask);
            }

            var characterId = lastCharacter ?? _characterId ?? await FindOrCreateCharacterAsync(client, stop);
            _characterId = characterId;
            if (_settings.SeedOnly)
            {
                succeeded = true;
                return new InWorldSession(client, characterId, null, Task.CompletedTask);
            }

            // Pushes are read from here on: a queued bot gets QueueUpdates before it is in the world. A fighting bot's
            // view exists from the start too, so no WorldUpdate that beats the EnterWorld answer is missed.
            var view = _settings.Combat ? new WorldView() : null;
            var pushes = CountPushesAsync(client, view);
            var entered = await EnterThroughQueueAsync(client, characterId, stop);
            _metrics.Increment(Counter.EnteredWorld);
            _metrics.Increment(Counter.InWorld);
            if (view is not null && entered.Arrival is { } arrival)
            {
                view.Reset(arrival);
            }

            succeeded = true;
            return new InWorldSession(client, characterId, entered.Arrival, pushes, view) { Name = entered.Character?.Name ?? "" };
        }
        finally
        {
            if (!succeeded)
            {
                _metrics.Decrement(Counter.Connected);
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// EnterWorld; if the world is full, waits in its queue like a player (positions pushed, EnterWorld again
    /// with the ticket at its turn), timing the wait as <c>queue_wait</c>. A position that goes up is counted
    /// as the error QUEUE_POSITION_ROSE: positions must only ever go down.
    /// </summary>
    private async Task<EnterWorldResponse> EnterThroughQueueAsync(MmoClient client, string characterId, CancellationToken stop)
    {
        var entered = await TimedAsync(Opcode.EnterWorld, () => client.EnterWorldAsync(characterId, _queueTicket, stop));
        if (entered.Queue is not { } place)
        {
            _queueTicket = null;
            return entered;
        }

        _metrics.Increment(Counter.Queued);
        var started = Stopwatch.GetTimestamp();
        var watcher = new QueueWatcher(this, place);
        entered = await client.EnterWorldThroughQueueAsync(characterId, watcher, place.Ticket, stop);
        _metrics.Latency("queue_wait").Record(Stopwatch.GetElapsedTime(started));
        _queueTicket = null;
        return entered;
    }

    /// <summary>Keeps the bot's ticket and checks that positions only go down.</summary>
    private sealed class QueueWatcher : IProgress<QueueStatus>
    {
        private readonly Bot _bot;
        private readonly QueueLedger.Entry? _ledger;
        private uint _lowest;

        public QueueWatcher(Bot bot, QueueStatus first)
        {
            _bot = bot;
            _lowest = first.Position;
            // The answer that queued it is its first status: where it joined, and the ticket with its place.
            _ledger = bot._settings.QueueLedger?.For(bot.Index);
            _ledger?.Told(first.Position, first.Ready, first.Ticket, first.ReadyForMs);
        }

        public void Report(QueueStatus value)
        {
            var bot = _bot;
            _ledger?.Told(value.Position, value.Ready, value.Ticket, value.ReadyForMs);
            bot._queueTicket = value.Ticket;
            if (value.Position > _lowest && !value.Ready)
            {
                bot._metrics.Error("QUEUE_POSITION_ROSE");
            }

            _lowest = Math.Min(_lowest, value.Position);
        }
    }

    /// <summary>Closes the connection and takes the bot off the gauges.</summary>
    public async Task LeaveAsync(InWorldSession session)
    {
        if (!_settings.SeedOnly && !_settings.LoginOnly)
        {
            _metrics.Decrement(Counter.InWorld);
        }

        _metrics.Decrement(Counter.Connected);
        if (session.Client.CurrentTicket is { } ticket && _tickets is not null)
        {
            _tickets.Set(Username, ticket.Token);
        }

        await session.Client.DisposeAsync();
        await session.PushCounting;
    }

    /// <summary>Times a request under its opcode and counts its frames and failures.</summary>
    public async Task<T> TimedAsync<T>(Opcode opcode, Func<Task<T>> request, ErrorCode? expected = null, IReadOnlyCollection<ErrorCode>? documented = null)
    {
        _metrics.Increment(Counter.FramesOut);
        _metrics.Increment(Counter.Requests);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await request();
            _metrics.Increment(Counter.FramesIn);
            _metrics.Latency(opcode).Record(Stopwatch.GetElapsedTime(started));
            return response;
        }
        catch (MmoErrorException ex)
        {
            _metrics.Increment(Counter.FramesIn);
            // Documented answers (a trade that moved on, say) are counted as refusals by the caller, not as errors.
            if (ex.Code != expected && documented?.Contains(ex.Code) != true)
            {
                _metrics.Error(ErrorNames.Of(ex.Code));
            }

            throw;
        }
        catch (TimeoutException)
        {
            _metrics.Error("TIMEOUT");
            throw;
        }
        catch (MmoDisconnectedException ex)
        {
            CountDisconnect(ex.Info);
            throw;
        }
    }

    private async Task<MmoClient> ConnectAsync(CancellationToken stop)
    {
        var gateway = _settings.Gateways[Index % _settings.Gateways.Count];
        var options = new MmoClientOptions
        {
            ClientName = "OrleansMmo.Bots",
            LocalAddress = _settings.Sources.Count == 0 ? null : _settings.Sources[Index % _settings.Sources.Count],
            RequestTimeout = _settings.RequestTimeout,
            Tls = _settings.ClientTls(),
        };
        var started = Stopwatch.GetTimestamp();
        _metrics.Increment(Counter.FramesOut);
        try
        {
            var client = _settings.Transport == BotTransport.WebSocket
                ? await MmoClient.ConnectAsync(new Uri($"ws://{gateway.Host}:{gateway.Port}{_settings.WebSocketPath}"), options, stop)
                : await MmoClient.ConnectAsync(gateway.Host, gateway.Port, options, stop);
            _metrics.Increment(Counter.FramesIn);
            _metrics.Latency("Connect").Record(Stopwatch.GetElapsedTime(started));
            return client;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or TimeoutException or MmoDisconnectedException or MmoErrorException)
        {
            _metrics.Increment(Counter.ConnectFailures);
            _metrics.Error(ex is System.Net.Sockets.SocketException socket ? $"CONNECT_{socket.SocketErrorCode}" : "CONNECT_FAILED");
            throw;
        }
    }

    /// <summary>Resumes with a cached ticket when there is one, else registers (if needed) and logs in.
    /// Returns the character that was in the world when a resumed session was lost.</summary>
    private async Task<string?> AuthenticateAsync(MmoClient client, CancellationToken stop)
    {
        if (_tickets is not null && _tickets.TryGet(Username, out var token))
        {
            try
            {
                var resumed = (await RetryAsync(Opcode.ResumeSession, () => client.ResumeSessionAsync(token, stop), null, stop))!;
                _metrics.Increment(Counter.Resumed);
                _tickets.Set(Username, resumed.Ticket.Token);
                return resumed.LastCharacterId;
            }
            catch (MmoErrorException ex) when (ex.Code is ErrorCode.TicketInvalid or ErrorCode.TicketExpired or ErrorCode.TicketAlreadyUsed)
            {
                _tickets.Forget(Username);
            }
        }

        var registered = _settings.LoginOnly
            ? null
            : await RetryAsync(Opcode.Register, () => client.RegisterAsync(Username, Password, stop), ErrorCode.UsernameTaken, stop);
        if (registered is not null)
        {
            _metrics.Increment(Counter.Registered);
        }

        var login = await RetryAsync(Opcode.Login, () => client.LoginAsync(Username, Password, stop), null, stop);
        _metrics.Increment(Counter.LoggedIn);
        _tickets?.Set(Username, login!.Ticket.Token);
        return null;
    }

    // Answers that mean "later", not "no": retried after the time they carry, counted apart from errors.
    private static readonly ErrorCode[] LaterCodes = [ErrorCode.Busy, ErrorCode.LoginThrottled, ErrorCode.RateLimited];

    /// <summary>Retries while the server says "later" (BUSY, LOGIN_THROTTLED, RATE_LIMITED); returns null
    /// when it answers <paramref name="acceptable"/> (say, USERNAME_TAKEN on a rerun).</summary>
    private async Task<T?> RetryAsync<T>(Opcode opcode, Func<Task<T>> request, ErrorCode? acceptable, CancellationToken stop)
        where T : class
    {
        while (true)
        {
            try
            {
                return await TimedAsync(opcode, request, acceptable, LaterCodes);
            }
            catch (MmoErrorException ex) when (ex.Code == acceptable)
            {
                return null;
            }
            catch (MmoErrorException ex) when (ex.Code is ErrorCode.Busy or ErrorCode.LoginThrottled or ErrorCode.RateLimited)
            {
                _metrics.Increment(Counter.RetriedLater);
                var wait = ex.RetryAfter ?? TimeSpan.FromSeconds(1);
                await Task.Delay(wait + TimeSpan.FromMilliseconds(_random.Next(0, 250)), stop);
            }
        }
    }

    private async Task<string> FindOrCreateCharacterAsync(MmoClient client, CancellationToken stop)
    {
        var characters = await TimedAsync(Opcode.ListCharacters, () => client.ListCharactersAsync(stop));
        if (characters.Count > 0)
        {
            return characters[0].CharacterId;
        }

        // Character names are letters and digits, 3-16, unique in the cluster: the username fits when the prefix does.
        var name = new string(Username.Where(char.IsLetterOrDigit).ToArray());
        try
        {
            var created = await TimedAsync(Opcode.CreateCharacter, () => client.CreateCharacterAsync(name, _settings.World, stop));
            _metrics.Increment(Counter.CharactersCreated);
            return created.CharacterId;
        }
        catch (MmoErrorException ex) when (ex.Code == ErrorCode.CharacterNameTaken)
        {
            // Another prefix's bot, or a person, holds the name: take one nobody will.
            var fallback = $"b{Index:x}{_random.Next():x}";
            var created = await TimedAsync(Opcode.CreateCharacter, () => client.CreateCharacterAsync(fallback[..Math.Min(16, fallback.Length)], _settings.World, stop));
            _metrics.Increment(Counter.CharactersCreated);
            return created.CharacterId;
        }
    }

    private async Task PlayAsync(InWorldSession session, CancellationToken stop)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (_settings.StayInWorld is { } stay)
        {
            _ = EndStayAsync(lost, stay * (1 + _settings.StaySpread * (2 * _random.NextDouble() - 1)));
        }

        var client = session.Client;
        var disconnected = client.Disconnected.ContinueWith(
            task =>
            {
                lost.Cancel();
                return task.Result;
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        try
        {
            var moving = _settings.MoveRate > 0 && session.Arrival?.Zone is not null
                ? session.View is not null ? CombatLoopAsync(session, lost.Token) : MoveLoopAsync(session, lost.Token)
                : Task.CompletedTask;
            var probing = _settings.GetPlayerRate > 0 ? GetPlayerLoopAsync(session, lost.Token) : Task.CompletedTask;
            await Task.WhenAll(moving, probing);
            await Task.Delay(Timeout.Infinite, lost.Token);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            // The run ended, the connection was lost, or the bot's stay is over.
        }

        if (!stop.IsCancellationRequested && disconnected.IsCompleted)
        {
            var info = await disconnected;
            CountDisconnect(info);
            throw new MmoDisconnectedException(info);
        }
    }

    /// <summary>Cancels <paramref name="lost"/> when the bot's stay in the world is over (<see cref="BotSettings.StayInWorld"/>).</summary>
    private async Task EndStayAsync(CancellationTokenSource lost, TimeSpan stay)
    {
        var token = lost.Token;
        try
        {
            if (_settings.StayStartsWith is { } start)
            {
                await start.WaitAsync(token);
            }

            await Task.Delay(stay, token);
            lost.Cancel();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The connection or the run ended first.
        }
    }

    private async Task MoveLoopAsync(InWorldSession session, CancellationToken stop)
    {
        var client = session.Client;
        var arrival = session.Arrival!;
        var period = TimeSpan.FromSeconds(1 / _settings.MoveRate);
        if (_settings.MovesStart is { } movesStart)
        {
            await movesStart.WaitAsync(stop);
        }

        // A random phase, so bots started together do not move in lockstep.
        await Task.Delay(TimeSpan.FromTicks((long)(period.Ticks * _random.NextDouble())), stop);
        using var timer = new PeriodicTimer(period);
        var position = arrival.Position ?? new Vec2();
        var home = position.Clone();
        var waypoint = position.Clone();
        // When the last accepted move was sent: the walk goes on from there. Measured from its *answer* instead, a bot
        // whose answers take longer than its period would send steps of almost nothing (the timer fires at once after a
        // late answer), and a benchmark would measure a crowd standing still (docs/benchmarks, "c. Spread again").
        var walkedFrom = Stopwatch.GetTimestamp();
        var chatChancePerTick = _settings.ChatInterval > TimeSpan.Zero ? period / _settings.ChatInterval : 0;
        long chatted = 0;

        while (await timer.WaitForNextTickAsync(stop))
        {
            var zone = arrival.Zone;
            if (Distance(position, waypoint) < 0.5)
            {
                waypoint = NextWaypoint(zone, home);
            }

            // Never farther than max_speed allows for the time walked since the last accepted move, with a margin (the
            // speed factor; the zone's allowance absorbs moves that reach it closer together than they were sent).
            var sending = Stopwatch.GetTimestamp();
            var seconds = Math.Min(Stopwatch.GetElapsedTime(walkedFrom, sending).TotalSeconds, 2 * period.TotalSeconds);
            var step = Math.Max(0, _settings.SpeedFactor * zone.MaxSpeed * seconds);
            var next = StepToward(position, waypoint, step, zone);
            MoveResponse response;
            try
            {
                response = await TimedAsync(Opcode.Move, () => client.MoveAsync(next.X, next.Y, stop));
            }
            catch (Exception ex) when (ex is MmoErrorException or TimeoutException)
            {
                // Counted by its code; a refused or lost move is tried again at the next tick.
                continue;
            }

            _metrics.Increment(Counter.Moves);
            if (!response.Accepted)
            {
                _metrics.Increment(Counter.MoveCorrections);
                _metrics.Error($"MOVE_{ErrorNames.Of(response.Rejection)}");
            }
            else
            {
                walkedFrom = sending;
            }

            position = response.Position ?? next;
            if (response.ZoneChanged is { } changed)
            {
                _metrics.Increment(Counter.ZoneChanges);
                arrival = changed;
                session.Arrival = changed;
                position = changed.Position ?? new Vec2();
                home = position.Clone();
                waypoint = position.Clone();
                walkedFrom = Stopwatch.GetTimestamp();
            }

            if (chatChancePerTick > 0 && _random.NextDouble() < chatChancePerTick)
            {
                await ChatAsync(client, ++chatted, stop);
            }

            // Fairness on a small machine: thousands of bots' loops must not starve the read loops.
            await Task.Yield();
        }
    }

    /// <summary>
    /// The combat bot's play, one request a tick: Respawn when dead; else Attack the chosen creature
    /// when it is in reach and the cooldown is over; else Move toward it (or wander, with nothing in
    /// view). Refusals are counted by reason: the bot's picture lags the server's by a tick or two,
    /// so a creature another bot killed, one that walked out of reach, or one leashing home is refused
    /// now and then, as the protocol documents.
    /// </summary>
    private async Task CombatLoopAsync(InWorldSession session, CancellationToken stop)
    {
        var client = session.Client;
        var view = session.View!;
        var arrival = session.Arrival!;
        var period = TimeSpan.FromSeconds(1 / _settings.MoveRate);
        if (_settings.MovesStart is { } movesStart)
        {
            await movesStart.WaitAsync(stop);
        }

        await Task.Delay(TimeSpan.FromTicks((long)(period.Ticks * _random.NextDouble())), stop);
        using var timer = new PeriodicTimer(period);
        var position = arrival.Position ?? new Vec2();
        var home = position.Clone();
        var waypoint = position.Clone();
        var lastAccepted = Stopwatch.GetTimestamp();
        var nextAttackAt = 0L;
        var dead = false;
        await StartLedgerAsync(session, session.Name, stop);
        SelfStatus? staleSelf = null;
        uint? target = null;

        while (await timer.WaitForNextTickAsync(stop))
        {
            var zone = arrival.Zone;
            WorldView.Entity? chosen;
            lock (view)
            {
                // After a respawn the dead status stays in the view until the zone's next update replaces it.
                dead |= view.Self is { Dead: true } self && !ReferenceEquals(self, staleSelf);
                chosen = target is { } id && view.Entities.TryGetValue(id, out var known) && !known.Dead ? known : PickTarget(view, position);
            }

            try
            {
                if (dead)
                {
                    var risen = await TimedAsync(Opcode.Respawn, () => client.RespawnAsync(stop));
                    if (risen.Respawned)
                    {
                        _metrics.Increment(Counter.Deaths);
                        position = risen.Position ?? position;
                        home = position.Clone();
                        waypoint = position.Clone();
                        lastAccepted = Stopwatch.GetTimestamp();
                        lock (view)
                        {
                            staleSelf = view.Self;
                        }
                    }

                    dead = false;
                    target = null;
                    continue;
                }

                if (await DrinkIfHurtAsync(client, view, stop) || await TradeTickAsync(client, view, position, period.TotalSeconds, stop))
                {
                    continue;
                }

                target = chosen?.EntityId;
                var reach = Math.Max(0.5, zone.AttackRange - 0.5);
                if (chosen is not null && Distance(position, new Vec2 { X = chosen.X, Y = chosen.Y }) <= reach)
                {
                    if (Stopwatch.GetTimestamp() < nextAttackAt)
                    {
                        continue;
                    }

                    var attack = await TimedAsync(Opcode.Attack, () => client.AttackAsync(chosen.EntityId, stop));
                    _metrics.Increment(Counter.Attacks);
                    nextAttackAt = Stopwatch.GetTimestamp() + Stopwatch.Frequency * (long)zone.AttackCooldownMs / 1000;
                    if (attack.Hit)
                    {
                        _metrics.Increment(Counter.Hits);
                        if (attack.Killed)
                        {
                            _metrics.Increment(Counter.Kills);
                            target = null;
                        }

                        _metrics.Add(Counter.ExperienceGained, (long)attack.ExperienceGained);
                        _metrics.Add(Counter.LootGold, (long)(attack.Loot?.Gold ?? 0));
                        NoteLoot(attack.Loot);
                        if (attack.LeveledUp)
                        {
                            _metrics.Increment(Counter.LevelUps);
                        }

                        continue;
                    }

                    _metrics.Refusal(ErrorNames.Of(attack.Refusal));
                    switch (attack.Refusal)
                    {
                        case AttackRefusal.Cooldown:
                            nextAttackAt = Stopwatch.GetTimestamp() + Stopwatch.Frequency * attack.RetryAfterMs / 1000;
                            break;
                        case AttackRefusal.AttackerDead:
                            dead = true;
                            break;
                        case AttackRefusal.OutOfRange:
                            break;
                        default:
                            target = null;
                            break;
                    }

                    continue;
                }

                if (chosen is not null)
                {
                    // Close in to well within reach: the creature may step away before the attack lands.
                    var goal = new Vec2 { X = chosen.X, Y = chosen.Y };
                    var distance = Distance(position, goal);
                    var stopShort = reach * 0.5;
                    waypoint = distance <= stopShort ? position.Clone() : StepToward(position, goal, distance - stopShort, zone);
                }
                else if (Distance(position, waypoint) < 0.5)
                {
                    waypoint = NextWaypoint(zone, home);
                }

                var seconds = Math.Min(Stopwatch.GetElapsedTime(lastAccepted).TotalSeconds, 2 * period.TotalSeconds);
                var step = Math.Max(0, _settings.SpeedFactor * zone.MaxSpeed * seconds);
                var next = StepToward(position, waypoint, step, zone);
                var response = await TimedAsync(Opcode.Move, () => client.MoveAsync(next.X, next.Y, stop));
                _metrics.Increment(Counter.Moves);
                if (response.Accepted)
                {
                    lastAccepted = Stopwatch.GetTimestamp();
                }
                else if (response.Rejection == MoveRejection.Dead)
                {
                    // Killed since the last update the bot saw: a documented answer, not an error.
                    _metrics.Refusal($"MOVE_{ErrorNames.Of(response.Rejection)}");
                    dead = true;
                }
                else
                {
                    _metrics.Increment(Counter.MoveCorrections);
                    _metrics.Error($"MOVE_{ErrorNames.Of(response.Rejection)}");
                }

                position = response.Position ?? next;
                if (response.ZoneChanged is { } changed)
                {
                    _metrics.Increment(Counter.ZoneChanges);
                    arrival = changed;
                    session.Arrival = changed;
                    lock (view)
                    {
                        view.Reset(changed);
                    }

                    position = changed.Position ?? new Vec2();
                    home = position.Clone();
                    waypoint = position.Clone();
                    lastAccepted = Stopwatch.GetTimestamp();
                    target = null;
                }
            }
            catch (Exception ex) when (ex is MmoErrorException or TimeoutException)
            {
                // Counted by its code; tried again at the next tick.
            }

            await Task.Yield();
        }
    }

    /// <summary>One of the (up to) three nearest living creatures, so a crowd of bots does not all pick the same one.</summary>
    private WorldView.Entity? PickTarget(WorldView view, Vec2 position)
    {
        WorldView.Entity? first = null, second = null, third = null;
        double d1 = double.MaxValue, d2 = double.MaxValue, d3 = double.MaxValue;
        foreach (var entity in view.Entities.Values)
        {
            if (entity.Kind != EntityKind.Creature || entity.Dead)
            {
                continue;
            }

            var d = ((entity.X - position.X) * (entity.X - position.X)) + ((entity.Y - position.Y) * (entity.Y - position.Y));
            if (d < d1)
            {
                (third, d3, second, d2, first, d1) = (second, d2, first, d1, entity, d);
            }
            else if (d < d2)
            {
                (third, d3, second, d2) = (second, d2, entity, d);
            }
            else if (d < d3)
            {
                (third, d3) = (entity, d);
            }
        }

        var count = first is null ? 0 : second is null ? 1 : third is null ? 2 : 3;
        return _random.Next(Math.Max(1, count)) switch
        {
            0 => first,
            1 => second,
            _ => third,
        };
    }

    private async Task ChatAsync(MmoClient client, long number, CancellationToken stop)
    {
        try
        {
            await TimedAsync(Opcode.Chat, async () =>
            {
                await client.SayAsync($"hello from {Username} #{number}", stop);
                return true;
            });
            _metrics.Increment(Counter.ChatSent);
        }
        catch (Exception ex) when (ex is TimeoutException || ex is MmoErrorException { Code: ErrorCode.ChatRateLimited or ErrorCode.RateLimited })
        {
            // Counted; a chatty bot just stays quiet a while.
        }
    }

    private async Task GetPlayerLoopAsync(InWorldSession session, CancellationToken stop)
    {
        var period = TimeSpan.FromSeconds(1 / _settings.GetPlayerRate);
        await Task.Delay(TimeSpan.FromTicks((long)(period.Ticks * _random.NextDouble())), stop);
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stop))
        {
            try
            {
                await TimedAsync(Opcode.GetPlayer, () => session.Client.GetPlayerAsync(stop));
            }
            catch (Exception ex) when (ex is MmoErrorException or TimeoutException)
            {
                // Counted by its code.
            }

            await Task.Yield();
        }
    }

    private async Task CountPushesAsync(MmoClient client, WorldView? view)
    {
        // Ends when the connection does: the push channel completes then.
        await foreach (var push in client.ReadPushesAsync())
        {
            _metrics.Increment(Counter.FramesIn);
            switch (push.Message)
            {
                case WorldUpdate update:
                    _metrics.Increment(Counter.WorldUpdates);
                    _metrics.Add(Counter.EntityUpdates, update.Entered.Count + update.Moved.Count);
                    _metrics.Add(Counter.EntitiesLeft, update.Left.Count);
                    if (view is not null)
                    {
                        _metrics.Add(Counter.CombatEventsSeen, update.Combat.Count);
                        lock (view)
                        {
                            view.Apply(update);
                        }
                    }

                    break;
                case ChatMessage:
                    _metrics.Increment(Counter.ChatReceived);
                    break;
                case QueueUpdate queued:
                    _metrics.Increment(Counter.QueueUpdates);
                    _settings.QueueLedger?.For(Index).Pushed(queued.Status.Position, queued.Status.Ready, queued.Status.ReadyForMs, queued.Status.Version);
                    break;
                case TradeUpdate trade:
                    OnTradeUpdate(trade.Trade);
                    break;
                case ErrorResponse error:
                    _metrics.Error(ErrorNames.Of(error.Code));
                    break;
            }
        }
    }

    private void CountDisconnect(DisconnectInfo info)
    {
        _metrics.Increment(Counter.Disconnects);
        _metrics.Error(info.Reason is { } reason ? $"DISCONNECTED_{ErrorNames.Of(reason)}" : $"DISCONNECTED_{info.Kind}");
    }

    private Vec2 NextWaypoint(ZoneInfo zone, Vec2 home)
    {
        if (zone.Portals.Count > 0 && _random.NextDouble() < _settings.PortalChance)
        {
            var portal = zone.Portals[_random.Next(zone.Portals.Count)];
            return new Vec2 { X = (portal.Min.X + portal.Max.X) / 2, Y = (portal.Min.Y + portal.Max.Y) / 2 };
        }

        if (_settings.RoamRadius > 0)
        {
            var angle = _random.NextDouble() * Math.Tau;
            var radius = _settings.RoamRadius * Math.Sqrt(_random.NextDouble());
            return Clamp(new Vec2 { X = (float)(home.X + radius * Math.Cos(angle)), Y = (float)(home.Y + radius * Math.Sin(angle)) }, zone);
        }

        while (true)
        {
            // Portals sit at the edges; a wandering bot keeps clear of them unless it picked one on purpose.
            var point = Clamp(new Vec2 { X = (float)(_random.NextDouble() * zone.Width), Y = (float)(_random.NextDouble() * zone.Height) }, zone);
            if (!zone.Portals.Any(p => point.X >= p.Min.X - 10 && point.X <= p.Max.X + 10 && point.Y >= p.Min.Y - 10 && point.Y <= p.Max.Y + 10))
            {
                return point;
            }
        }
    }

    private static Vec2 StepToward(Vec2 from, Vec2 to, double step, ZoneInfo zone)
    {
        var distance = Distance(from, to);
        if (distance <= step || distance == 0)
        {
            return Clamp(to.Clone(), zone);
        }

        var fraction = step / distance;
        return Clamp(new Vec2 { X = (float)(from.X + (to.X - from.X) * fraction), Y = (float)(from.Y + (to.Y - from.Y) * fraction) }, zone);
    }

    // Inside the map by a hair: float rounding at the very edge must not read as out of bounds.
    private static Vec2 Clamp(Vec2 point, ZoneInfo zone) => new()
    {
        X = Math.Clamp(point.X, 0.01f, Math.Max(0.01f, zone.Width - 0.01f)),
        Y = Math.Clamp(point.Y, 0.01f, Math.Max(0.01f, zone.Height - 0.01f)),
    };

    private static double Distance(Vec2 a, Vec2 b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
