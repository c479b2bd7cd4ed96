using System.Net;
using Google.Protobuf;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// A client on a bare socket that can send several requests in ONE write (a pipelined burst), as
/// the SDK never does on purpose. It reads every frame into one ordered log (answers and pushes),
/// so a test can check both the answers and the order of what arrived.
/// </summary>
public sealed class RawSession : IAsyncDisposable
{
    private readonly RawGameSocket _socket;
    private readonly object _gate = new();
    private readonly List<RawFrame> _frames = [];
    private readonly Dictionary<uint, TaskCompletionSource<RawFrame>> _waiting = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _pump;
    private uint _lastRequestId = 1;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _paused;

    private RawSession(RawGameSocket socket)
    {
        _socket = socket;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Completes when the gateway closed the connection.</summary>
    public Task Closed => _closed.Task;

    public string Username { get; private set; } = "";

    public Guid CharacterId { get; private set; }

    public string CharacterName { get; private set; } = "";

    /// <summary>Connects and says Hello (request id 1); a small <paramref name="receiveBufferSize"/> makes a client that stops reading stall sooner.</summary>
    public static async Task<RawSession> ConnectAsync(int port, IPAddress? localAddress = null, int? receiveBufferSize = null)
    {
        var socket = await RawGameSocket.ConnectAsync(port, localAddress, receiveBufferSize);
        await socket.HelloAsync();
        return new RawSession(socket);
    }

    /// <summary>Connects, registers, logs in, creates a character and enters the world with it, one request at a time.</summary>
    public static async Task<RawSession> EnterWorldAsync(int port, string prefix, IPAddress? localAddress = null, int? receiveBufferSize = null)
    {
        var session = await ConnectAsync(port, localAddress, receiveBufferSize);
        session.Username = GameCluster.UniqueName(prefix);
        await session.ExpectAsync<RegisterResponse>(Opcode.Register, new RegisterRequest { Username = session.Username, Password = WorldPlayer.Password });
        await session.LoginAsync();
        session.CharacterName = prefix[..Math.Min(prefix.Length, 4)] + Guid.NewGuid().ToString("N")[..10];
        var created = await session.ExpectAsync<CreateCharacterResponse>(Opcode.CreateCharacter, new CreateCharacterRequest { Name = session.CharacterName });
        session.CharacterId = Guid.Parse(created.Character.CharacterId);
        await session.ExpectAsync<EnterWorldResponse>(Opcode.EnterWorld, session.EnterWorld());
        return session;
    }

    /// <summary>Takes over an account and character made by an earlier connection (after it was kicked).</summary>
    public void Adopt(string username, Guid characterId, string characterName)
    {
        Username = username;
        CharacterId = characterId;
        CharacterName = characterName;
    }

    public Task<LoginResponse> LoginAsync() =>
        ExpectAsync<LoginResponse>(Opcode.Login, new LoginRequest { Username = Username, Password = WorldPlayer.Password });

    public LoginRequest Login() => new() { Username = Username, Password = WorldPlayer.Password };

    public EnterWorldRequest EnterWorld() => new() { CharacterId = CharacterId.ToString() };

    public static MoveRequest Move(float x, float y) => new() { Position = new Vec2 { X = x, Y = y } };

    public static ChatRequest Say(string text) => new() { Channel = ChatChannel.Say, Text = text };

    /// <summary>One request, awaited; fails unless the answer is the request's response.</summary>
    public async Task<T> ExpectAsync<T>(Opcode opcode, IMessage request) where T : IMessage<T>, new()
    {
        var answer = (await BurstAsync((opcode, request)))[0];
        return Parse<T>(opcode, answer);
    }

    /// <summary>
    /// Sends every request in one write, with consecutive request ids, and returns their answers in
    /// the order the requests were sent (not the order they arrived).
    /// </summary>
    public async Task<RawFrame[]> BurstAsync(params (Opcode Opcode, IMessage Message)[] requests)
    {
        var ids = new uint[requests.Length];
        var waits = new Task<RawFrame>[requests.Length];
        var bytes = new MemoryStream();
        lock (_gate)
        {
            for (var i = 0; i < requests.Length; i++)
            {
                ids[i] = ++_lastRequestId;
                var answer = new TaskCompletionSource<RawFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting[ids[i]] = answer;
                waits[i] = answer.Task;
                bytes.Write(RawGameSocket.Frame(requests[i].Opcode, ids[i], requests[i].Message));
            }
        }

        await _socket.SendAsync(bytes.ToArray());
        return await Await.Within(Task.WhenAll(waits), $"answers to a burst of {requests.Length} ({string.Join(", ", requests.Select(r => r.Opcode))})");
    }

    /// <summary>Stops reading the socket after the frame being read (a client that stopped reading); <see cref="ResumeReading"/> goes on.</summary>
    public void PauseReading()
    {
        lock (_gate)
        {
            _paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ResumeReading()
    {
        TaskCompletionSource? paused;
        lock (_gate)
        {
            (paused, _paused) = (_paused, null);
        }

        paused?.TrySetResult();
    }

    /// <summary>Sends one request without waiting for its answer (use <see cref="WaitForAsync"/> or <see cref="Frames"/>); returns its request id.</summary>
    public async Task<uint> SendRequestAsync(Opcode opcode, IMessage request)
    {
        uint id;
        lock (_gate)
        {
            id = ++_lastRequestId;
        }

        await _socket.SendAsync(RawGameSocket.Frame(opcode, id, request));
        return id;
    }

    /// <summary>Writes raw bytes (frames with ids of the test's choosing).</summary>
    public Task SendAsync(byte[] bytes) => _socket.SendAsync(bytes);

    /// <summary>Every frame received so far, in arrival order.</summary>
    public List<RawFrame> Frames()
    {
        lock (_gate)
        {
            return [.. _frames];
        }
    }

    /// <summary>Chat lines pushed to this connection so far, in arrival order.</summary>
    public List<ChatMessage> Chat() =>
        [.. Frames().Where(f => f.Opcode == (ushort)Opcode.ChatMessage).Select(f => ChatMessage.Parser.ParseFrom(f.Payload))];

    /// <summary>Waits until <paramref name="condition"/> holds over the frames received, re-checking on every frame.</summary>
    public async Task WaitForAsync(Func<List<RawFrame>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Await.Default;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(Frames()))
            {
                return;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public static T Parse<T>(Opcode opcode, RawFrame answer) where T : IMessage<T>, new()
    {
        if (answer.Opcode != opcode.ResponseOf())
        {
            throw new InvalidOperationException($"{opcode} was answered with 0x{answer.Opcode:X4}{(answer.IsError ? $" {answer.ErrorCode}" : "")}");
        }

        return new MessageParser<T>(() => new T()).ParseFrom(answer.Payload);
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                Task? resumed;
                lock (_gate)
                {
                    resumed = _paused?.Task;
                }

                if (resumed is not null)
                {
                    await resumed;
                }

                if (await _socket.ReadFrameAsync(Timeout.InfiniteTimeSpan) is not { } frame)
                {
                    break;
                }

                lock (_gate)
                {
                    _frames.Add(frame);
                    if (frame.RequestId != 0 && _waiting.Remove(frame.RequestId, out var answer))
                    {
                        answer.SetResult(frame);
                    }

                    var signal = _changed;
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    signal.SetResult();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Closed under the read.
        }
        finally
        {
            lock (_gate)
            {
                foreach (var answer in _waiting.Values)
                {
                    answer.TrySetException(new IOException("the gateway closed the connection before answering"));
                }

                _waiting.Clear();
            }

            _closed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A paused pump would never see the close.
        ResumeReading();
        await _socket.DisposeAsync();
        await _pump;
    }
}
