using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>
/// The C# SDK's wait in a world's queue against a scripted server: a real socket, frames written by hand, so the
/// pushes come in exactly the order under test (the real world's timing decides it only now and then: the queue
/// benchmark once saw one client hear its turn ~2 s late, at the next periodic push).
/// </summary>
[Trait("Category", "Unit")]
public class QueueWaitTests
{
    [Fact]
    public async Task ATurnPushedWhileTheProgressHandlerRunsIsTakenWithoutWaitingForAnotherPush()
    {
        await using var server = await ScriptedServer.ConnectAsync();
        var (client, stream, reader) = (server.Client, server.Stream, server.Reader);

        var placesHandled = 0;
        var progress = new HandlerProgress(status =>
        {
            if (status.Ready || Interlocked.Increment(ref placesHandled) > 1)
            {
                return;
            }

            // The turn is pushed while this handler runs for the place; it returns once the client has read the push.
            Await.Until(() => client.QueueStatus is { Ready: true }, "the turn push to be read").GetAwaiter().GetResult();
        });
        var entering = client.EnterWorldThroughQueueAsync("character-1", progress);

        var first = await Await.Within(ReadEnterWorldAsync(reader), "the first EnterWorld");
        await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), first.RequestId, new EnterWorldResponse { Queue = Status(position: 1, ready: false, ticket: "place-1") });
        await Await.Until(() => Volatile.Read(ref placesHandled) == 1 || entering.IsCompleted, "the progress handler to run for the place");
        Assert.False(entering.IsCompleted, $"the queued entry ended at its place: {entering.Exception?.InnerException}");
        await WriteAsync(stream, (ushort)Opcode.QueueUpdate, 0, new QueueUpdate { Status = Status(position: 0, ready: true, ticket: "turn-1") });

        // Nothing else is pushed: a client waiting for a push after that one would never come back.
        var second = await Await.Within(ReadEnterWorldAsync(reader), "EnterWorld again with the turn's ticket");
        Assert.Equal("turn-1", second.Request.QueueTicket);
        await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), second.RequestId, new EnterWorldResponse());
        var entered = await Await.Within(entering, "the queued entry to end");
        Assert.Null(entered.Queue);
        Assert.Equal(1, placesHandled);
    }

    [Fact]
    public async Task ATurnPushedAsThePlaceIsAnsweredIsNeverLost()
    {
        // The place answered and the turn pushed right behind it, round after round: the client's continuation of the
        // answer and its read loop's push meet at the status they both write. The answer must never hide the turn
        // (then the client waits for a push that never comes: in a real world the next periodic one, 2 s late).
        const int Rounds = 400;
        await using var server = await ScriptedServer.ConnectAsync();
        var (client, stream, reader) = (server.Client, server.Stream, server.Reader);

        for (var round = 0; round < Rounds; round++)
        {
            var entering = client.EnterWorldThroughQueueAsync("character-1");
            var first = await Await.Within(ReadEnterWorldAsync(reader), $"round {round}: the first EnterWorld");
            await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), first.RequestId, new EnterWorldResponse { Queue = Status(position: 1, ready: false, ticket: $"place-{round}") });
            // Half the rounds right behind the answer, half after a moment: the push lands at different points of the
            // client's handling of the answer.
            if (round % 2 == 1)
            {
                Thread.SpinWait(50 * (round % 40));
            }

            await WriteAsync(stream, (ushort)Opcode.QueueUpdate, 0, new QueueUpdate { Status = Status(position: 0, ready: true, ticket: $"turn-{round}") });

            var second = await Await.Within(ReadEnterWorldAsync(reader), $"round {round}: EnterWorld again with the turn's ticket", TimeSpan.FromSeconds(5));
            Assert.Equal($"turn-{round}", second.Request.QueueTicket);
            await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), second.RequestId, new EnterWorldResponse());
            Assert.Null((await Await.Within(entering, $"round {round}: the queued entry to end")).Queue);
        }
    }

    [Fact]
    public async Task AnOlderPositionThatArrivesAfterTheTurnDoesNotHideIt()
    {
        // The world pushed a slice of positions, then a turn, in two calls to the gateway; the cluster delivered the
        // turn first (the queue benchmark saw it: the client read "ready" then "position 6" in the same millisecond,
        // and heard its turn only at the next periodic push, 2 s later). Versions say which status is newer.
        await using var server = await ScriptedServer.ConnectAsync();
        var (client, stream, reader) = (server.Client, server.Stream, server.Reader);
        var bothPushesRead = ReadPushesAsync(client, 2);

        // The wait's first look at the queue is held until both pushes are read, so it finds only the last one kept.
        var progress = new HandlerProgress(status =>
        {
            if (!status.Ready && status.Ticket == "place-1")
            {
                Await.Within(bothPushesRead, "both pushes to be read").GetAwaiter().GetResult();
            }
        });
        var entering = client.EnterWorldThroughQueueAsync("character-1", progress);

        var first = await Await.Within(ReadEnterWorldAsync(reader), "the first EnterWorld");
        await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), first.RequestId,
            new EnterWorldResponse { Queue = Status(position: 6, ready: false, ticket: "place-1", version: 100) });
        await WriteAsync(stream, (ushort)Opcode.QueueUpdate, 0, new QueueUpdate { Status = Status(position: 0, ready: true, ticket: "turn-1", version: 300) });
        await WriteAsync(stream, (ushort)Opcode.QueueUpdate, 0, new QueueUpdate { Status = Status(position: 6, ready: false, ticket: "place-1", version: 200) });

        // Nothing else is pushed: a client that let the older position replace its turn would wait forever.
        var second = await Await.Within(ReadEnterWorldAsync(reader), "EnterWorld again with the turn's ticket");
        Assert.Equal("turn-1", second.Request.QueueTicket);
        await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), second.RequestId, new EnterWorldResponse());
        Assert.Null((await Await.Within(entering, "the queued entry to end")).Queue);
        // Every push still reaches the game's own reading of pushes, in the order it came.
        Assert.Equal([300UL, 200UL], (await bothPushesRead).Select(s => s.Version));
    }

    [Fact]
    public async Task AnAnswerOlderThanAPushedPositionDoesNotReplaceIt()
    {
        // The answer to EnterWorld was counted before a push that the client read first: the push is the newer news.
        await using var server = await ScriptedServer.ConnectAsync();
        var (client, stream, reader) = (server.Client, server.Stream, server.Reader);
        var told = new List<(uint Position, ulong Version)>();
        var entering = client.EnterWorldThroughQueueAsync("character-1", new HandlerProgress(s =>
        {
            lock (told)
            {
                told.Add((s.Position, s.Version));
            }
        }));

        var first = await Await.Within(ReadEnterWorldAsync(reader), "the first EnterWorld");
        await WriteAsync(stream, (ushort)Opcode.QueueUpdate, 0, new QueueUpdate { Status = Status(position: 4, ready: false, ticket: "place-1", version: 200) });
        await Await.Until(() => client.QueueStatus is { Version: 200 }, "the push to be read");
        await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), first.RequestId,
            new EnterWorldResponse { Queue = Status(position: 6, ready: false, ticket: "place-1", version: 100) });
        await Await.Until(() => { lock (told) { return told.Count == 1; } }, "the wait's first status");
        Assert.Equal(200UL, client.QueueStatus!.Version);

        await WriteAsync(stream, (ushort)Opcode.QueueUpdate, 0, new QueueUpdate { Status = Status(position: 0, ready: true, ticket: "turn-1", version: 300) });
        var second = await Await.Within(ReadEnterWorldAsync(reader), "EnterWorld again with the turn's ticket");
        await WriteAsync(stream, Opcode.EnterWorld.ResponseOf(), second.RequestId, new EnterWorldResponse());
        await Await.Within(entering, "the queued entry to end");
        lock (told)
        {
            // Never told position 6 after position 4: positions only go down.
            Assert.Equal([(4u, 200UL), (0u, 300UL)], told);
        }
    }

    private static QueueStatus Status(uint position, bool ready, string ticket, ulong version = 0) => new()
    {
        WorldId = "alpha",
        Position = position,
        Length = position,
        Ticket = ticket,
        Ready = ready,
        ReadyForMs = ready ? 30_000u : 0,
        Version = version,
    };

    /// <summary>The next <paramref name="count"/> QueueUpdate pushes as the game reads them.</summary>
    private static async Task<List<QueueStatus>> ReadPushesAsync(MmoClient client, int count)
    {
        var statuses = new List<QueueStatus>();
        await foreach (var push in client.ReadPushesAsync())
        {
            if (push.Message is QueueUpdate update)
            {
                statuses.Add(update.Status);
                if (statuses.Count == count)
                {
                    break;
                }
            }
        }

        return statuses;
    }

    private static async Task WriteAsync(NetworkStream stream, ushort opcode, uint requestId, IMessage message)
    {
        var frame = new byte[FrameCodec.FrameSize(message)];
        FrameCodec.WriteFrame(frame, opcode, requestId, message);
        await stream.WriteAsync(frame);
    }

    /// <summary>The next EnterWorld the client sends (anything else it sends is skipped).</summary>
    private static async Task<(uint RequestId, EnterWorldRequest Request)> ReadEnterWorldAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync();
            var buffer = read.Buffer;
            (uint, EnterWorldRequest)? found = null;
            while (found is null && FrameCodec.TryReadFrame(ref buffer, 1 << 16, out var frame) == FrameReadStatus.Complete)
            {
                if (frame.Opcode == (ushort)Opcode.EnterWorld)
                {
                    found = (frame.RequestId, EnterWorldRequest.Parser.ParseFrom(frame.Payload));
                }
            }

            if (found is { } enterWorld)
            {
                reader.AdvanceTo(buffer.Start);
                return enterWorld;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);

            if (read.IsCompleted)
            {
                throw new EndOfStreamException("the client closed the connection");
            }
        }
    }

    /// <summary>A client connected to a socket the test writes frames to by hand (no delay: each write goes at once).</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Socket _socket;

        private ScriptedServer(TcpListener listener, Socket socket, MmoClient client)
        {
            (_listener, _socket, Client) = (listener, socket, client);
            _socket.NoDelay = true;
            Stream = new NetworkStream(socket);
            Reader = PipeReader.Create(Stream);
        }

        public MmoClient Client { get; }

        public NetworkStream Stream { get; }

        public PipeReader Reader { get; }

        public static async Task<ScriptedServer> ConnectAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var client = await MmoClient.ConnectAsync("127.0.0.1", port, new MmoClientOptions { SkipHandshake = true, AutomaticHeartbeat = false });
            return new ScriptedServer(listener, await listener.AcceptSocketAsync(), client);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Stream.DisposeAsync();
            _socket.Dispose();
            _listener.Dispose();
        }
    }

    /// <summary>Reports on the caller's thread, as a game's handler would run (<see cref="Progress{T}"/> posts instead).</summary>
    private sealed class HandlerProgress(Action<QueueStatus> report) : IProgress<QueueStatus>
    {
        public void Report(QueueStatus value) => report(value);
    }
}
