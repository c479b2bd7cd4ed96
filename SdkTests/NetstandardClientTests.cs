using System.Reflection;
using System.Runtime.Versioning;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.SdkTests;

/// <summary>The SDK's promises, kept by its .NET Standard 2.1 build against real servers.</summary>
[Collection(ServersCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class NetstandardClientTests(ServersFixture servers)
{
    private const string Password = "correct horse battery";

    [Fact]
    public void TheSdkUnderTestIsItsNetstandard21Build()
    {
        foreach (var assembly in new[] { typeof(MmoClient).Assembly, typeof(FrameCodec).Assembly })
        {
            var framework = assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
            Assert.Equal(".NETStandard,Version=v2.1", framework);
        }
    }

    [Fact]
    public async Task TwoPlayersSeeEachOtherMoveAndChatWithPushesDeliveredOnTheThreadThatDispatches()
    {
        await using var alice = await EnterWorldAsync("alice");
        await using var bob = await EnterWorldAsync("bob");

        // Bob's game loop: one thread, dispatching pushes each "frame", as a Unity Update would.
        var view = new WorldView();
        view.Reset(bob.Entered.Arrival);
        var chat = new List<ChatMessage>();
        var wrongThread = 0;
        var loopThread = 0;
        bob.Client.WorldUpdateReceived += update =>
        {
            wrongThread += Environment.CurrentManagedThreadId == loopThread ? 0 : 1;
            view.Apply(update);
        };
        bob.Client.ChatReceived += message =>
        {
            wrongThread += Environment.CurrentManagedThreadId == loopThread ? 0 : 1;
            chat.Add(message);
        };

        var start = alice.Entered.Arrival.Position;
        var moved = await alice.Client.MoveAsync(start.X + 2, start.Y + 1);
        Assert.True(moved.Accepted, moved.Rejection.ToString());
        await alice.Client.SayAsync("hello from netstandard");

        await RunGameLoopAsync(() =>
        {
            loopThread = Environment.CurrentManagedThreadId;
            bob.Client.DispatchPushes();
            return view.FindByName(alice.Name) is { } seen
                && Math.Abs(seen.X - (start.X + 2)) < 0.01 && Math.Abs(seen.Y - (start.Y + 1)) < 0.01
                && chat.Any(c => c.Text == "hello from netstandard");
        }, "bob to see alice's move and her chat line");

        Assert.Equal(0, wrongThread);
        var line = chat.Single(c => c.Text == "hello from netstandard");
        Assert.Equal(alice.Name, line.FromName);
        Assert.Equal(ChatChannel.Say, line.Channel);
    }

    [Fact]
    public async Task ErrorsComeBackAsCodesAndABadFrameEndsTheConnectionWithItsReason()
    {
        await using var client = await ConnectAsync();
        var username = UniqueName("err");
        await client.RegisterAsync(username, Password);
        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(username, "wrong password!"));
        Assert.Equal(ErrorCode.InvalidCredentials, refused.Code);
        Assert.Equal(Opcode.Login, refused.RequestOpcode);

        DisconnectInfo? closed = null;
        client.ConnectionClosed += info => closed = info;
        // A header with the reserved flags set: the gateway answers MALFORMED_FRAME and closes.
        await client.SendRawAsync(new byte[] { 0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0, 9 });
        var info = await Await.Within(client.Disconnected, "the gateway to close after a malformed frame");
        Assert.Equal(DisconnectKind.ServerNotice, info.Kind);
        Assert.Equal(DisconnectReason.ProtocolViolation, info.Reason);
        Assert.Equal(ErrorCode.MalformedFrame, info.LastError?.Code);

        client.DispatchPushes();
        Assert.Same(info, closed);
        var pending = client.PingAsync();
        var gone = await Assert.ThrowsAsync<MmoDisconnectedException>(() => pending);
        Assert.Equal(DisconnectReason.ProtocolViolation, gone.Reason);
    }

    [Fact]
    public async Task TheHeartbeatKeepsAnIdleConnectionOpenAndItsAbsenceLetsTheGatewayCloseIt()
    {
        await using var beating = await ConnectAsync();
        await using var silent = await ConnectAsync(new MmoClientOptions { ClientName = "silent", AutomaticHeartbeat = false });
        // Both only idle from here on; the gateway allows 3 s without a frame and asks for one every second.
        var closed = await Await.Within(silent.Disconnected, "the gateway to close the silent connection", ServersFixture.IdleTimeout * 4);
        Assert.Equal(DisconnectReason.IdleTimeout, closed.Reason);
        Assert.True(beating.IsConnected, "the heartbeat's connection was closed too");
        var ping = await beating.PingAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, ping.Echo.ToByteArray());
    }

    [Fact]
    public async Task ASessionMovesToANewConnectionWithItsTicketAndReturnsToItsCharacter()
    {
        var player = await EnterWorldAsync("carol");
        var ticket = player.Client.CurrentTicket!.Token;
        await player.Client.DisposeAsync();

        var (resumed, session) = await player.Client.ReconnectAsync();
        await using var _ = resumed;
        Assert.Equal(player.Client.AccountId, session.AccountId);
        Assert.NotEqual(ticket, session.Ticket.Token);
        Assert.Equal(player.Entered.Character.CharacterId, session.LastCharacterId);
        var back = await resumed.EnterWorldAsync(session.LastCharacterId!);
        Assert.Equal(player.Name, back.Character.Name);

        // The spent ticket is refused on a third connection.
        await using var third = await ConnectAsync();
        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => third.ResumeSessionAsync(ticket));
        Assert.Equal(ErrorCode.TicketAlreadyUsed, refused.Code);
    }

    [Fact]
    public async Task ARequestThatGetsNoAnswerTimesOutAndACancelledOneLeavesNothingPending()
    {
        // A server that accepts and never answers: only the SDK's own clock can end the request.
        using var silentServer = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silentServer.Start();
        var port = ((System.Net.IPEndPoint)silentServer.LocalEndpoint).Port;
        await using var client = await MmoClient.ConnectAsync("127.0.0.1", port, new MmoClientOptions
        {
            SkipHandshake = true,
            AutomaticHeartbeat = false,
            RequestTimeout = TimeSpan.FromMilliseconds(300),
        });
        using var accepted = await silentServer.AcceptSocketAsync();

        var timedOut = await Assert.ThrowsAsync<TimeoutException>(() => client.PingAsync());
        Assert.Contains("Ping", timedOut.Message, StringComparison.Ordinal);

        using var cancel = new CancellationTokenSource();
        var cancelled = client.ListCharactersAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(0, client.PendingRequestCount);
        Assert.True(client.IsConnected);
    }

    private async Task<MmoClient> ConnectAsync(MmoClientOptions? options = null) =>
        await MmoClient.ConnectAsync("127.0.0.1", servers.GamePort, options ?? new MmoClientOptions { ClientName = "sdk-tests" });

    private async Task<Player> EnterWorldAsync(string prefix)
    {
        var client = await ConnectAsync();
        var username = UniqueName(prefix);
        await client.RegisterAsync(username, Password);
        await client.LoginAsync(username, Password);
        var name = prefix + Guid.NewGuid().ToString("N")[..8];
        var character = await client.CreateCharacterAsync(name);
        var entered = await client.EnterWorldAsync(character.CharacterId);
        return new Player(client, name, entered);
    }

    private static string UniqueName(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>
    /// Calls <paramref name="frame"/> on one dedicated thread at about 60 frames a second, as an engine's main
    /// loop calls Update, until it returns true.
    /// </summary>
    private static Task RunGameLoopAsync(Func<bool> frame, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            // The frame clock: a timer marks each frame due, the loop thread waits for the mark (vsync, in an engine).
            using var due = new ManualResetEventSlim();
            using var clock = new Timer(_ => due.Set(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(16));
            try
            {
                var deadline = DateTime.UtcNow + Await.Default;
                while (!frame())
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !due.Wait(left))
                    {
                        throw new TimeoutException($"Timed out after {Await.Default.TotalSeconds:0} s waiting for {what}");
                    }

                    due.Reset();
                }

                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        { IsBackground = true, Name = "game loop" };
        thread.Start();
        return done.Task;
    }

    private sealed record Player(MmoClient Client, string Name, EnterWorldResponse Entered) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }
}
