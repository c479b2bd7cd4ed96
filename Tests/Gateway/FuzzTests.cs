using System.Net;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Gateway;

/// <summary>
/// Over 100,000 frames of random bytes, well-framed random frames and valid requests in random
/// order and states, pipelined, must neither crash nor wedge the gateway, never end in an internal
/// error, and leave other players unaffected.
/// </summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class FuzzTests(GameCluster cluster)
{
    // Their own loopback addresses: random Login frames must not throttle the other tests' logins,
    // and the garbage must not throttle the valid traffic's.
    private static readonly IPAddress GarbageAddress = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress ValidAddress = IPAddress.Parse("127.0.0.4");

    private const int Parallelism = 16;
    private const int RandomByteConnections = 1_000;
    private const int GarbageConnections = 650;
    private const int GarbageFramesPerConnection = 100;
    private const int ValidAccounts = 12;
    private const int ValidConnectionsPerAccount = 40;
    private const int MinimumFrames = 100_000;

    // What valid requests may be answered with; anything else (INTERNAL_ERROR, SESSION_REPLACED ...) is a bug.
    private static readonly HashSet<ErrorCode> ExpectedErrors =
    [
        ErrorCode.NotAllowedInState, ErrorCode.TooManyInFlight, ErrorCode.RateLimited, ErrorCode.Busy,
        ErrorCode.UsernameInvalid, ErrorCode.InvalidCredentials, ErrorCode.LoginThrottled,
        ErrorCode.TicketInvalid, ErrorCode.TicketExpired, ErrorCode.TicketAlreadyUsed,
        ErrorCode.CharacterNameInvalid, ErrorCode.CharacterNameTaken, ErrorCode.CharacterLimitReached, ErrorCode.CharacterNotFound,
        ErrorCode.ChatMessageInvalid, ErrorCode.ChatRateLimited, ErrorCode.ChatChannelInvalid, ErrorCode.PlayerNotFound, ErrorCode.PlayerOffline,
        // Pipelined moves beyond the connection's move budget, as pipelined requests meet RATE_LIMITED.
        ErrorCode.MoveRateLimited,
    ];

    [Fact]
    public async Task AHundredThousandRandomAndPipelinedFramesNeitherCrashNorWedgeTheGatewayNorDisturbOthers()
    {
        await using var left = await WorldPlayer.EnterAsync(cluster, "fzwa");
        await using var right = await WorldPlayer.EnterAsync(cluster, "fzwb");
        await left.WaitToSeeAsync(right.Name);
        var registry = cluster.Gateway.Services.GetRequiredService<SessionRegistry>();
        var baseline = registry.Count;
        // One after the other: each costs two password hashes, and in parallel they would queue past the login timeout.
        var accounts = new List<ValidAccount>();
        for (var i = 0; i < ValidAccounts; i++)
        {
            accounts.Add(await ValidAccount.CreateAsync(cluster));
        }


        using var stop = new CancellationTokenSource();
        var witness = WitnessAsync(left, right, stop.Token);
        long frames = 0;
        var requestOpcodes = Enum.GetValues<Opcode>().Where(o => OpcodeExtensions.IsRequest((ushort)o)).Select(o => (ushort)o).ToArray();

        await Parallel.ForEachAsync(Enumerable.Range(0, RandomByteConnections), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            var random = new Random(i);
            var bytes = new byte[random.Next(1, 2048)];
            random.NextBytes(bytes);
            await SendAndDrainAsync(bytes, hello: false);
        });

        await Parallel.ForEachAsync(Enumerable.Range(0, GarbageConnections), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            var random = new Random(100_000 + i);
            var burst = new MemoryStream();
            for (var f = 0; f < GarbageFramesPerConnection; f++)
            {
                var payload = new byte[random.Next(0, 64)];
                random.NextBytes(payload);
                // Mostly request opcodes (so the payload parser and the handlers are reached), sometimes anything.
                var opcode = random.Next(20) == 0 ? (ushort)random.Next(0, 65536) : requestOpcodes[random.Next(requestOpcodes.Length)];
                var frame = new byte[FrameHeader.Size + payload.Length];
                FrameHeader.Write(frame, (uint)payload.Length, opcode, (uint)random.Next(0, 40));
                if (random.Next(200) == 0)
                {
                    frame[6] = 1; // reserved flags
                }

                payload.CopyTo(frame, FrameHeader.Size);
                burst.Write(frame);
            }

            Interlocked.Add(ref frames, GarbageFramesPerConnection);
            await SendAndDrainAsync(burst.ToArray(), hello: random.Next(4) != 0);
        });

        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (account, _) =>
        {
            for (var c = 0; c < ValidConnectionsPerAccount; c++)
            {
                Interlocked.Add(ref frames, await account.PlayOneConnectionAsync(cluster.GamePort, ValidAddress));
            }
        });

        stop.Cancel();
        await witness;
        Assert.True(frames >= MinimumFrames, $"only {frames} frames were sent");

        // Still serving, to the same players, and every fuzzed connection was released.
        Assert.True(left.Client.IsConnected && right.Client.IsConnected, "a witness was disconnected");
        await left.Client.PingAsync();
        Assert.True((await right.MoveAsync(1503, 1497)).Accepted);
        await left.WaitToSeeAsync(right.Name, e => e.X == 1503 && e.Y == 1497);
        await Await.Until(() => registry.Count == baseline, "every fuzzed connection to be released");
        Assert.DoesNotContain(cluster.Logs.Entries, e => e.Contains("NullReferenceException", StringComparison.Ordinal));
    }

    /// <summary>Two players play on while the fuzz runs: every request answered, nothing refused.</summary>
    private static async Task WitnessAsync(WorldPlayer left, WorldPlayer right, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            await left.Client.PingAsync(cancellationToken: CancellationToken.None);
            var x = 1500 + (i % 5);
            Assert.True((await right.MoveAsync(x, 1500)).Accepted, "a witness's move was refused");
            await left.WaitToSeeAsync(right.Name, e => e.X == x);
        }
    }

    private async Task SendAndDrainAsync(byte[] bytes, bool hello)
    {
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort, GarbageAddress);
        try
        {
            if (hello)
            {
                await socket.HelloAsync();
            }

            await socket.SendAsync(bytes);
            socket.ShutdownSend();
            // Answers, then the close: a frame that wedged the connection would time out here.
            await socket.ReadUntilClosedAsync();
        }
        catch (IOException)
        {
            // The gateway may cut the socket while garbage is still being written: that is an outcome, not a failure.
        }
    }

    /// <summary>
    /// An account with a character, played by one connection after another: each resumes with the
    /// ticket the previous one got (no password hash), then pipelines valid requests in random order.
    /// </summary>
    private sealed class ValidAccount
    {
        private readonly string _username;
        private readonly Random _random;
        private Guid _character;
        private string? _ticket;
        private uint _nextId = 1;

        private ValidAccount(string username, int seed)
        {
            _username = username;
            _random = new Random(seed);
        }

        public static async Task<ValidAccount> CreateAsync(GameCluster cluster)
        {
            var (client, username, _) = await cluster.LoggedInClientAsync("fzv");
            await using var _ = client;
            var account = new ValidAccount(username, username.GetHashCode(StringComparison.Ordinal));
            account._character = Guid.Parse((await client.CreateCharacterAsync(RandomName(account._random))).CharacterId);
            account._ticket = (await client.RenewTicketAsync()).Token;
            return account;
        }

        /// <summary>One connection: Hello, resume (or log in), three pipelined bursts. Returns the frames sent.</summary>
        public async Task<int> PlayOneConnectionAsync(int port, IPAddress address)
        {
            await using var socket = await RawGameSocket.ConnectAsync(port, address);
            await socket.HelloAsync();
            var sent = new List<(uint Id, Opcode Opcode)>();
            var burst = new MemoryStream();
            void Add(Opcode opcode, IMessage message)
            {
                var id = ++_nextId;
                sent.Add((id, opcode));
                burst.Write(RawGameSocket.Frame(opcode, id, message));
            }

            Add(_ticket is { } ticket ? Opcode.ResumeSession : Opcode.Login,
                _ticket is { } t ? new ResumeSessionRequest { Token = t } : new LoginRequest { Username = _username, Password = WorldPlayer.Password });
            var frames = 1; // the Hello
            for (var write = 0; write < 3; write++)
            {
                for (var n = _random.Next(20, 32); n > 0; n--)
                {
                    var (opcode, message) = RandomRequest();
                    Add(opcode, message);
                }

                frames += sent.Count;
                await socket.SendAsync(burst.ToArray());
                burst.SetLength(0);
                await ReadAnswersAsync(socket, sent);
                sent.Clear();
            }

            return frames;
        }

        private async Task ReadAnswersAsync(RawGameSocket socket, List<(uint Id, Opcode Opcode)> sent)
        {
            var waiting = sent.ToDictionary(s => s.Id, s => s.Opcode);
            while (waiting.Count > 0)
            {
                var frame = await socket.ReadFrameAsync() ?? throw new InvalidOperationException(
                    $"the gateway closed a valid client's connection with {waiting.Count} requests unanswered");
                if (frame.RequestId == 0)
                {
                    Assert.NotEqual((ushort)Opcode.Disconnect, frame.Opcode);
                    continue;
                }

                Assert.True(waiting.Remove(frame.RequestId, out var opcode), $"an answer to request {frame.RequestId}, which is not awaiting one");
                if (frame.IsError)
                {
                    Assert.True(ExpectedErrors.Contains(frame.ErrorCode), $"{opcode} was answered {frame.ErrorCode}");
                    continue;
                }

                Assert.Equal(opcode.ResponseOf(), frame.Opcode);
                switch (opcode)
                {
                    case Opcode.ResumeSession:
                        _ticket = ResumeSessionResponse.Parser.ParseFrom(frame.Payload).Ticket.Token;
                        break;
                    case Opcode.Login:
                        _ticket = LoginResponse.Parser.ParseFrom(frame.Payload).Ticket.Token;
                        break;
                    case Opcode.RenewTicket:
                        _ticket = RenewTicketResponse.Parser.ParseFrom(frame.Payload).Ticket.Token;
                        break;
                    case Opcode.Logout:
                        _ticket = null;
                        break;
                }
            }
        }

        private (Opcode, IMessage) RandomRequest()
        {
            var r = _random.Next(100);
            return r switch
            {
                < 25 => (Opcode.Move, new MoveRequest { Position = new Vec2 { X = 1480 + (_random.NextSingle() * 40), Y = 1480 + (_random.NextSingle() * 40) } }),
                < 32 => (Opcode.Move, new MoveRequest { Position = new Vec2 { X = 1605, Y = 1500 } }), // the portal: a zone change
                < 40 => (Opcode.GetPlayer, new GetPlayerRequest()),
                < 48 => (Opcode.Ping, new PingRequest { ClientTimeMs = r }),
                < 55 => (Opcode.Chat, new ChatRequest { Channel = (ChatChannel)_random.Next(0, 6), Text = RandomName(_random), ToName = RandomName(_random) }),
                < 62 => (Opcode.EnterWorld, new EnterWorldRequest { CharacterId = (_random.Next(4) == 0 ? Guid.NewGuid() : _character).ToString() }),
                < 67 => (Opcode.LeaveWorld, new LeaveWorldRequest()),
                < 74 => (Opcode.ListCharacters, new ListCharactersRequest()),
                < 77 => (Opcode.CreateCharacter, new CreateCharacterRequest { Name = RandomName(_random) }),
                < 80 => (Opcode.DeleteCharacter, new DeleteCharacterRequest { CharacterId = Guid.NewGuid().ToString() }),
                < 86 => (Opcode.RenewTicket, new RenewTicketRequest()),
                < 90 => (Opcode.Register, new RegisterRequest { Username = "no spaces allowed", Password = "x" }),
                < 94 => (Opcode.ResumeSession, new ResumeSessionRequest { Token = "not-a-ticket" }),
                < 97 => (Opcode.Hello, new HelloRequest { ProtocolVersion = ProtocolVersion.Current }),
                < 99 => (Opcode.Login, new LoginRequest { Username = "!", Password = "x" }),
                _ => (Opcode.Logout, new LogoutRequest()),
            };
        }

        private static string RandomName(Random random) =>
            "fz" + new string(Enumerable.Range(0, 10).Select(_ => (char)('a' + random.Next(26))).ToArray());
    }
}
