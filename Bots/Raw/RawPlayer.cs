using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using OrleansMmo.Bots.Metrics;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Bots.Raw;

/// <summary>
/// One player of the <see cref="RawDriver"/>: a socket, the read loop that counts what arrives on it, and where the
/// character walks. Two threads touch it: the driver's send loop (movement, requests out: <c>_sent</c>, the ring
/// entries) and this player's read loop (answers in: <c>_answered</c>, corrections handed over through
/// <c>_correction</c>); each field has one writer.
/// </summary>
internal sealed class RawPlayer
{
    // Requests in flight are capped below this (the gateway's max_in_flight, 32 by default), so a ring slot is never
    // reused before its answer came: slot = request id mod RingSize.
    private const int RingSize = 64;
    private const byte KindMove = 1;
    private const byte KindPing = 2;
    private const byte KindRespawn = 3;
    // No correction pending: x is a NaN, which no authoritative position is.
    private const long NoCorrection = 0x7FC00000_00000000;

    private readonly RawDriver _driver;
    private readonly BotMetrics _metrics;
    private readonly Socket _socket;
    private readonly Random _random;
    private readonly byte[] _moveFrame = new byte[RawFrames.MoveFrameSize];
    private readonly byte[] _pingFrame = new byte[FrameHeader.Size];
    private readonly byte[] _respawnFrame = new byte[FrameHeader.Size];
    private readonly long[] _sentAt = new long[RingSize];
    private readonly byte[] _sentKind = new byte[RingSize];
    private readonly LatencyHistogram _moveLatency;
    private byte[] _receive;
    private int _maxPayload = 64 * 1024;
    private int _maxInFlight = 32;
    private long _heartbeatTicks = Stopwatch.Frequency * 10;
    private uint _lastRequestId;
    private long _sent;
    private long _answered;
    private long _correction = NoCorrection;
    // Set by the read loop when a move was answered DEAD: the next turn rises again instead of moving.
    private int _dead;
    private ZoneArrival? _arrivalChanged;
    private Task? _pendingSend;
    private TaskCompletionSource<(ushort Opcode, byte[] Payload)>? _handshake;
    private uint _handshakeId;
    private Task _readLoop = Task.CompletedTask;
    private int _lost;
    private bool _inWorld;

    // Movement: the send loop's alone.
    private Zone _zone = Zone.Empty;
    private float _x, _y, _homeX, _homeY, _waypointX, _waypointY;
    private long _lastMoveAt;
    private long _lastSentAt;

    public RawPlayer(RawDriver driver, int index, Socket socket)
    {
        _driver = driver;
        _metrics = driver.Metrics;
        _moveLatency = driver.Metrics.Latency(Opcode.Move);
        _socket = socket;
        _random = new Random(index);
        _receive = new byte[driver.Options.ReceiveBufferBytes];
        Phase = _random.NextDouble();
    }

    /// <summary>Where in the move period this player's moves fall (0-1), so players do not move in lockstep.</summary>
    public double Phase { get; }

    /// <summary>When the next move is due (Stopwatch ticks); 0 until the send loop first schedules it.</summary>
    public long NextDue { get; set; }

    public bool Lost => Volatile.Read(ref _lost) != 0;

    /// <summary>Requests sent and not answered yet (moves and pings).</summary>
    public long InFlight => _sent - Volatile.Read(ref _answered);

    /// <summary>Connects, says Hello, resumes the session with <paramref name="ticket"/> and enters the world with the
    /// character it was playing (or its first). The SDK's path, in the Protocol project's messages; pushes that arrive
    /// meanwhile are counted like later ones.</summary>
    public async Task EnterAsync(DnsEndPoint gateway, IPAddress? source, string ticket, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_driver.Options.RequestTimeout);
        if (source is not null)
        {
            _socket.Bind(new IPEndPoint(source, 0));
        }

        await _socket.ConnectAsync(gateway, timeout.Token);
        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);

        var hello = HelloResponse.Parser.ParseFrom(await RequestAsync(Opcode.Hello, new HelloRequest
        {
            ProtocolVersion = ProtocolVersion.Current,
            ClientName = "OrleansMmo.Bots raw driver",
            ClientPlatform = "bots",
        }, cancellationToken));
        _maxPayload = hello.MaxPayloadBytes > 0 ? (int)hello.MaxPayloadBytes : _maxPayload;
        _maxInFlight = Math.Clamp((int)hello.MaxInFlight, 1, RingSize / 2);
        if (_driver.Options.MaxInFlight > 0)
        {
            _maxInFlight = Math.Min(_maxInFlight, _driver.Options.MaxInFlight);
        }

        _heartbeatTicks = Stopwatch.Frequency * Math.Max(1000, hello.HeartbeatIntervalMs) / 1000;

        var resumed = ResumeSessionResponse.Parser.ParseFrom(await RetryLaterAsync(Opcode.ResumeSession, new ResumeSessionRequest { Token = ticket }, cancellationToken));
        _metrics.Increment(Counter.Resumed);
        Ticket = resumed.Ticket?.Token;
        var character = resumed.LastCharacterId;
        if (string.IsNullOrEmpty(character))
        {
            var list = ListCharactersResponse.Parser.ParseFrom(await RequestAsync(Opcode.ListCharacters, new ListCharactersRequest(), cancellationToken));
            character = list.Characters.Count > 0
                ? list.Characters[0].CharacterId
                : throw new RawDriverException("NO_CHARACTER", "the account has no character (the raw driver makes none)");
        }

        var entered = EnterWorldResponse.Parser.ParseFrom(await RetryLaterAsync(Opcode.EnterWorld, new EnterWorldRequest { CharacterId = character }, cancellationToken));
        if (entered.Queue is not null || entered.Arrival?.Zone is null)
        {
            throw new RawDriverException("QUEUED", "the world queued the player (the raw driver does not wait in queues)");
        }

        Arrive(entered.Arrival);
        _lastSentAt = Stopwatch.GetTimestamp();
        _inWorld = true;
        _metrics.Increment(Counter.EnteredWorld);
        _metrics.Increment(Counter.InWorld);
    }

    /// <summary>The session's newest ticket (from ResumeSession).</summary>
    public string? Ticket { get; private set; }

    /// <summary>
    /// Sends this player's next Move if it may: not lost, its previous write done, fewer than max_in_flight
    /// unanswered. Steps toward its waypoint at the speed factor of the zone's max_speed for the time since its last
    /// move (at most two periods), adopting the server's correction first if one came. A player the zone's creatures
    /// killed (a move answered DEAD) sends a Respawn instead, as a player would, and walks on from the graveyard.
    /// </summary>
    public SendOutcome TrySendMove(long now, double periodSeconds)
    {
        if (!CanSend())
        {
            return Lost ? SendOutcome.Lost : SendOutcome.Skipped;
        }

        if (InFlight >= _maxInFlight)
        {
            return SendOutcome.Skipped;
        }

        if (Interlocked.Exchange(ref _arrivalChanged, null) is { } arrival)
        {
            Arrive(arrival);
        }

        if (Interlocked.Exchange(ref _dead, 0) == 1)
        {
            var respawn = NextRequestId();
            _sentKind[respawn & (RingSize - 1)] = KindRespawn;
            _sentAt[respawn & (RingSize - 1)] = now;
            FrameHeader.Write(_respawnFrame, 0, (ushort)Opcode.Respawn, respawn);
            _lastMoveAt = 0;
            return Send(_respawnFrame, _respawnFrame.Length, now) ? SendOutcome.Respawned : SendOutcome.Lost;
        }

        var correction = Interlocked.Exchange(ref _correction, NoCorrection);
        if (correction != NoCorrection)
        {
            _x = BitConverter.Int32BitsToSingle((int)(correction >> 32));
            _y = BitConverter.Int32BitsToSingle((int)correction);
        }

        var seconds = _lastMoveAt == 0 ? periodSeconds : Math.Min((double)(now - _lastMoveAt) / Stopwatch.Frequency, 2 * periodSeconds);
        var step = _driver.Options.SpeedFactor * _zone.MaxSpeed * seconds;
        var dx = _waypointX - _x;
        var dy = _waypointY - _y;
        var distance = Math.Sqrt((dx * dx) + (dy * dy));
        if (distance < 0.5)
        {
            (_waypointX, _waypointY) = NextWaypoint();
            dx = _waypointX - _x;
            dy = _waypointY - _y;
            distance = Math.Sqrt((dx * dx) + (dy * dy));
        }

        if (distance <= step || distance == 0)
        {
            (_x, _y) = _zone.Clamp(_waypointX, _waypointY);
        }
        else
        {
            var fraction = step / distance;
            (_x, _y) = _zone.Clamp((float)(_x + (dx * fraction)), (float)(_y + (dy * fraction)));
        }

        _lastMoveAt = now;
        var id = NextRequestId();
        var slot = id & (RingSize - 1);
        _sentKind[slot] = KindMove;
        _sentAt[slot] = now;
        RawFrames.WriteMove(_moveFrame, id, _x, _y);
        return Send(_moveFrame, _moveFrame.Length, now) ? SendOutcome.Sent : SendOutcome.Lost;
    }

    /// <summary>A Ping when nothing was sent for a heartbeat interval: a player waiting for the crowd to start moving
    /// must not be closed as idle.</summary>
    public bool PingIfIdle(long now)
    {
        if (now - _lastSentAt < _heartbeatTicks || !CanSend() || InFlight >= _maxInFlight)
        {
            return false;
        }

        var id = NextRequestId();
        var slot = id & (RingSize - 1);
        _sentKind[slot] = KindPing;
        _sentAt[slot] = now;
        FrameHeader.Write(_pingFrame, 0, (ushort)Opcode.Ping, id);
        return Send(_pingFrame, _pingFrame.Length, now);
    }

    /// <summary>Closes the socket and waits for the read loop to end.</summary>
    public async Task CloseAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the other side.
        }

        _socket.Dispose();
        await _readLoop;
    }

    private bool CanSend()
    {
        if (Lost)
        {
            return false;
        }

        if (_pendingSend is { } pending)
        {
            if (!pending.IsCompleted)
            {
                return false;
            }

            _pendingSend = null;
            if (!pending.IsCompletedSuccessfully)
            {
                _metrics.Error($"SEND_{(pending.Exception?.InnerException as SocketException)?.SocketErrorCode.ToString() ?? "FAILED"}");
                MarkLost();
                return false;
            }
        }

        return true;
    }

    // One frame per write, no awaiting: a write the kernel takes at once (nearly all) completes synchronously, and
    // one that does not is left pending while this player skips its turns, so one slow socket never holds the loop.
    private bool Send(byte[] frame, int length, long now)
    {
        _sent++;
        _lastSentAt = now;
        ValueTask<int> write;
        try
        {
            write = _socket.SendAsync(frame.AsMemory(0, length), SocketFlags.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            MarkLost();
            return false;
        }

        if (write.IsCompletedSuccessfully)
        {
            _ = write.Result;
        }
        else
        {
            _pendingSend = write.AsTask();
        }

        return true;
    }

    private uint NextRequestId()
    {
        // Never 0 (it marks pushes); wraps after 4 billion requests.
        var id = ++_lastRequestId;
        if (id == 0)
        {
            id = _lastRequestId = 1;
        }

        return id;
    }

    private void Arrive(ZoneArrival arrival)
    {
        _zone = Zone.Of(arrival.Zone);
        _x = _homeX = _waypointX = arrival.Position?.X ?? 0;
        _y = _homeY = _waypointY = arrival.Position?.Y ?? 0;
        _lastMoveAt = 0;
    }

    private (float X, float Y) NextWaypoint()
    {
        var roam = _driver.Options.RoamRadius;
        if (roam > 0)
        {
            var angle = _random.NextDouble() * Math.Tau;
            var radius = roam * Math.Sqrt(_random.NextDouble());
            return _zone.Clamp((float)(_homeX + (radius * Math.Cos(angle))), (float)(_homeY + (radius * Math.Sin(angle))));
        }

        // As the bots wander: anywhere in the zone, clear of its portals (a raw player never changes zones on purpose).
        for (var attempt = 0; ; attempt++)
        {
            var (x, y) = _zone.Clamp((float)(_random.NextDouble() * _zone.Width), (float)(_random.NextDouble() * _zone.Height));
            if (!_zone.NearPortal(x, y, 10) || attempt == 100)
            {
                return (x, y);
            }
        }
    }

    private void MarkLost()
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0 && _inWorld)
        {
            _metrics.Decrement(Counter.InWorld);
            _metrics.Increment(Counter.Disconnects);
        }
    }

    private async Task<byte[]> RetryLaterAsync(Opcode opcode, IMessage request, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await RequestAsync(opcode, request, cancellationToken);
            }
            catch (RawDriverException ex) when (ex.RetryAfter is { } wait)
            {
                _metrics.Increment(Counter.RetriedLater);
                await Task.Delay(wait + TimeSpan.FromMilliseconds(_random.Next(0, 250)), cancellationToken);
            }
        }
    }

    /// <summary>One request of the way in, awaited: the read loop hands its answer over (an Error frame throws).</summary>
    private async Task<byte[]> RequestAsync(Opcode opcode, IMessage request, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<(ushort Opcode, byte[] Payload)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = NextRequestId();
        _handshakeId = id;
        Volatile.Write(ref _handshake, answer);
        var frame = new byte[FrameCodec.FrameSize(request)];
        FrameCodec.WriteFrame(frame, (ushort)opcode, id, request);
        var started = Stopwatch.GetTimestamp();
        _metrics.Increment(Counter.FramesOut);
        _metrics.Increment(Counter.Requests);
        await _socket.SendAsync(frame, SocketFlags.None, cancellationToken);
        var (answerOpcode, payload) = await answer.Task.WaitAsync(_driver.Options.RequestTimeout, cancellationToken);
        Volatile.Write(ref _handshake, null);
        _metrics.Latency(opcode).Record(Stopwatch.GetElapsedTime(started));
        if (answerOpcode == (ushort)Opcode.Error)
        {
            var error = ErrorResponse.Parser.ParseFrom(payload);
            var name = ErrorNames.Of(error.Code);
            TimeSpan? retry = error.Code is ErrorCode.Busy or ErrorCode.RateLimited or ErrorCode.LoginThrottled
                ? TimeSpan.FromMilliseconds(Math.Max(100, error.RetryAfterMs))
                : null;
            if (retry is null)
            {
                _metrics.Error(name);
            }

            throw new RawDriverException(name, $"{opcode} answered {name}") { RetryAfter = retry };
        }

        if (answerOpcode != opcode.ResponseOf())
        {
            throw new RawDriverException("PROTOCOL", $"{opcode} answered with opcode 0x{answerOpcode:X4}");
        }

        return payload;
    }

    private async Task ReadLoopAsync()
    {
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(_receive.AsMemory(filled), SocketFlags.None);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                var consumed = Parse(filled, out var needed);
                filled -= consumed;
                if (filled > 0 && consumed > 0)
                {
                    Buffer.BlockCopy(_receive, consumed, _receive, 0, filled);
                }

                if (needed > _receive.Length)
                {
                    // A frame larger than the buffer (a full view's WorldUpdate): grow to it, once.
                    Array.Resize(ref _receive, needed);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed: by us at the end, or by the gateway (counted below).
        }
        catch (InvalidDataException ex)
        {
            _metrics.Error("RAW_UNREADABLE_FRAME");
            _handshake?.TrySetException(ex);
        }
        finally
        {
            if (!_driver.Stopping)
            {
                MarkLost();
            }
            else
            {
                Interlocked.Exchange(ref _lost, 1);
            }

            Volatile.Read(ref _handshake)?.TrySetException(new RawDriverException("DISCONNECTED", "the connection closed"));
        }
    }

    /// <summary>Handles every whole frame in the buffer; returns the bytes consumed, and in <paramref name="needed"/> the
    /// size of the incomplete frame left (0 if none).</summary>
    private int Parse(int filled, out int needed)
    {
        var buffer = new ReadOnlySequence<byte>(_receive, 0, filled);
        var tally = default(Tally);
        needed = 0;
        while (true)
        {
            var status = FrameCodec.TryReadFrame(ref buffer, _maxPayload, out var frame);
            if (status == FrameReadStatus.Incomplete)
            {
                if (buffer.Length >= FrameHeader.Size)
                {
                    needed = FrameHeader.Size + (int)BinaryPrimitives.ReadUInt32BigEndian(_receive.AsSpan(filled - (int)buffer.Length));
                }

                break;
            }

            if (status != FrameReadStatus.Complete)
            {
                throw new InvalidDataException($"frame {status}");
            }

            Handle(frame.Opcode, frame.RequestId, frame.Payload.FirstSpan, ref tally);
        }

        tally.AddTo(_metrics);
        return filled - (int)buffer.Length;
    }

    private void Handle(ushort opcode, uint requestId, ReadOnlySpan<byte> payload, ref Tally tally)
    {
        tally.FramesIn++;
        if (opcode == (ushort)Opcode.WorldUpdate)
        {
            var counts = RawFrames.CountWorldUpdate(payload);
            tally.WorldUpdates++;
            tally.EntityUpdates += counts.EntityUpdates;
            tally.Left += counts.Left;
            return;
        }

        if (requestId != 0 && requestId == _handshakeId && Volatile.Read(ref _handshake) is { } handshake)
        {
            handshake.TrySetResult((opcode, payload.ToArray()));
            return;
        }

        var slot = requestId & (RingSize - 1);
        if (opcode == Opcode.Move.ResponseOf())
        {
            Interlocked.Increment(ref _answered);
            _moveLatency.Record(Stopwatch.GetElapsedTime(_sentAt[slot]));
            var answer = RawFrames.ReadMoveAnswer(payload);
            tally.Moves++;
            if (answer.Rejection == (int)MoveRejection.Dead)
            {
                // Killed by a creature since: a documented answer, not a correction (as the fighting bots count it).
                _metrics.Refusal("MOVE_DEAD");
                Volatile.Write(ref _dead, 1);
            }
            else if (!answer.Accepted)
            {
                tally.Corrections++;
                _metrics.Error($"MOVE_{ErrorNames.Of((MoveRejection)answer.Rejection)}");
                if (answer.HasPosition)
                {
                    Interlocked.Exchange(ref _correction, ((long)BitConverter.SingleToInt32Bits(answer.X) << 32) | (uint)BitConverter.SingleToInt32Bits(answer.Y));
                }
            }

            if (answer.ZoneChanged && MoveResponse.Parser.ParseFrom(payload).ZoneChanged is { Zone: not null } arrival)
            {
                // Rare (the raw players keep clear of portals): the generated parser for the whole arrival.
                _metrics.Increment(Counter.ZoneChanges);
                Interlocked.Exchange(ref _arrivalChanged, arrival);
            }

            return;
        }

        if (opcode == Opcode.Ping.ResponseOf())
        {
            Interlocked.Increment(ref _answered);
            return;
        }

        if (opcode == Opcode.Respawn.ResponseOf())
        {
            Interlocked.Increment(ref _answered);
            var (respawned, x, y) = RawFrames.ReadRespawnAnswer(payload);
            if (respawned)
            {
                _metrics.Increment(Counter.Deaths);
                Interlocked.Exchange(ref _correction, ((long)BitConverter.SingleToInt32Bits(x) << 32) | (uint)BitConverter.SingleToInt32Bits(y));
            }

            return;
        }

        if (opcode == (ushort)Opcode.Error)
        {
            var (code, _) = RawFrames.ReadError(payload);
            _metrics.Error(ErrorNames.Of((ErrorCode)code));
            if (requestId != 0)
            {
                Interlocked.Increment(ref _answered);
                if (_sentKind[slot] == KindMove)
                {
                    tally.MovesRefused++;
                }
            }

            return;
        }

        if (opcode == (ushort)Opcode.Disconnect)
        {
            _metrics.Error($"DISCONNECTED_{ErrorNames.Of((DisconnectReason)RawFrames.ReadDisconnectReason(payload))}");
        }

        // Other pushes (chat, teleports) are counted as frames only.
    }

    /// <summary>Counts of one read, added to the shared metrics once per read rather than once per frame.</summary>
    private struct Tally
    {
        public long FramesIn;
        public long WorldUpdates;
        public long EntityUpdates;
        public long Left;
        public long Moves;
        public long Corrections;
        public long MovesRefused;

        public readonly void AddTo(BotMetrics metrics)
        {
            Add(metrics, Counter.FramesIn, FramesIn);
            Add(metrics, Counter.WorldUpdates, WorldUpdates);
            Add(metrics, Counter.EntityUpdates, EntityUpdates);
            Add(metrics, Counter.EntitiesLeft, Left);
            Add(metrics, Counter.Moves, Moves);
            Add(metrics, Counter.MoveCorrections, Corrections);
            Add(metrics, Counter.MovesRefused, MovesRefused);
        }

        private static void Add(BotMetrics metrics, Counter counter, long amount)
        {
            if (amount != 0)
            {
                metrics.Add(counter, amount);
            }
        }
    }

    /// <summary>A zone's map as the movement needs it: bounds, max_speed, portal rectangles.</summary>
    private sealed class Zone
    {
        public static readonly Zone Empty = new(1, 1, 0, []);

        private readonly (float MinX, float MinY, float MaxX, float MaxY)[] _portals;

        private Zone(float width, float height, float maxSpeed, (float, float, float, float)[] portals)
        {
            Width = width;
            Height = height;
            MaxSpeed = maxSpeed;
            _portals = portals;
        }

        public float Width { get; }

        public float Height { get; }

        public float MaxSpeed { get; }

        public static Zone Of(ZoneInfo zone) =>
            new(zone.Width, zone.Height, zone.MaxSpeed, [.. zone.Portals.Select(p => (p.Min.X, p.Min.Y, p.Max.X, p.Max.Y))]);

        // Inside the map by a hair, as the bots: float rounding at the very edge must not read as out of bounds.
        public (float X, float Y) Clamp(float x, float y) =>
            (Math.Clamp(x, 0.01f, Math.Max(0.01f, Width - 0.01f)), Math.Clamp(y, 0.01f, Math.Max(0.01f, Height - 0.01f)));

        public bool NearPortal(float x, float y, float margin) =>
            _portals.Any(p => x >= p.MinX - margin && x <= p.MaxX + margin && y >= p.MinY - margin && y <= p.MaxY + margin);
    }
}

/// <summary>What became of one turn of a player in the send loop.</summary>
internal enum SendOutcome
{
    Sent,
    /// <summary>A Respawn was sent instead of the move.</summary>
    Respawned,
    /// <summary>Not sent: its previous write is pending or max_in_flight requests are unanswered.</summary>
    Skipped,
    Lost,
}

/// <summary>A player the raw driver could not put in the world, with the reason as a wire-style name.</summary>
public sealed class RawDriverException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>Set for answers that mean "later" (BUSY, RATE_LIMITED, LOGIN_THROTTLED).</summary>
    public TimeSpan? RetryAfter { get; init; }
}
