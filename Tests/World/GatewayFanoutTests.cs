using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.World;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.World;

/// <summary>
/// The one delivery policy, on its own: gateways here are in-process observers that answer, fail or
/// never answer, as a real gateway can. Timeouts are real: long where a test must not hit one, short
/// where it waits for one.
/// </summary>
[Trait("Category", "Unit")]
public sealed class GatewayFanoutTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly Listener _listener = new();
    private readonly WorldOptions _options = new() { DeliveryTimeout = TimeSpan.FromMinutes(1), MaxDeliveryFailures = 3, MaxPendingDeliveries = 2 };

    [Fact]
    public async Task EverythingWrittenForOneGatewayGoesInOneCallPerSend()
    {
        var fanout = NewFanout();
        var one = new Gateway();
        var two = new Gateway();
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        fanout.To("one", one).WriteFrame(Session("one", one, 1), a, 0x4002, [1]);
        fanout.To("one", one).WriteFrame(Session("one", one, 2), b, 0x4002, [2, 2]);
        fanout.To("two", two).WriteFrame(Session("two", two, 1), c, 0x4003, [3]);
        fanout.To("two", two).WriteBroadcast(0x4003, [4]);

        Assert.Equal(0, await fanout.SendAsync("zone", 7));

        var batch = Assert.Single(one.Batches);
        Assert.Equal(("zone", 7L), (batch.Source, batch.Tick));
        Assert.Equal([1L, 2L], batch.ConnectionIds);
        Assert.Equal([a, b], batch.CharacterIds);
        Assert.Equal([2, 2], batch.PayloadOf(1).ToArray());
        var other = Assert.Single(two.Batches);
        Assert.Equal([1L, PushBatch.Everyone], other.ConnectionIds);
        Assert.Equal([4], other.PayloadOf(1).ToArray());

        // Nothing written since: nothing sent.
        Assert.Equal(0, await fanout.SendAsync("zone", 8));
        Assert.Single(one.Batches);
    }

    [Fact]
    public async Task AGatewayWithTooManyUnansweredDeliveriesHasFurtherFramesDroppedAndReported()
    {
        var fanout = NewFanout();
        var slow = new Gateway { Hold = true };
        var who = Guid.NewGuid();
        var sends = new List<Task<int>>();
        for (var i = 0; i < _options.MaxPendingDeliveries; i++)
        {
            fanout.To("slow", slow).WriteFrame(Session("slow", slow, 1), who, 0x4002, [1]);
            sends.Add(fanout.SendAsync("zone", i + 1));
        }

        Assert.Equal(_options.MaxPendingDeliveries, fanout.PendingTo("slow"));
        fanout.To("slow", slow).WriteFrame(Session("slow", slow, 1), who, 0x4002, [1]);
        Assert.Equal(1, await fanout.SendAsync("zone", 9));
        Assert.Equal(_options.MaxPendingDeliveries, slow.Batches.Count);
        Assert.Equal([("slow", who)], _listener.Undelivered);

        // Once it answers, it is sent to again. One answer at a time, as the zone's grain takes them (one turn at a
        // time): the fanout is not thread-safe, and answers released together ran its bookkeeping on two threads.
        for (var i = 0; i < sends.Count; i++)
        {
            slow.ReleaseNext();
            Assert.Equal(0, await sends[i]);
        }

        Assert.Equal(0, fanout.PendingTo("slow"));
        slow.Hold = false;
        fanout.To("slow", slow).WriteFrame(Session("slow", slow, 1), who, 0x4002, [1]);
        Assert.Equal(0, await fanout.SendAsync("zone", 10));
    }

    [Fact]
    public async Task UpdatesAGatewayLetGoForSlowClientsAreReportedWithoutCountingTheGatewayAsFailing()
    {
        var fanout = NewFanout();
        var (slowReader, other) = (Guid.NewGuid(), Guid.NewGuid());
        var gateway = new Gateway { Receipt = new DeliveryReceipt([slowReader]) };
        for (var i = 1; i <= _options.MaxDeliveryFailures + 1; i++)
        {
            fanout.To("gw", gateway).WriteFrame(Session("gw", gateway, 1), slowReader, 0x4002, [1]);
            fanout.To("gw", gateway).WriteFrame(Session("gw", gateway, 2), other, 0x4002, [2]);
            Assert.Equal(0, await fanout.SendAsync("zone", i));
        }

        // Each send's receipt reaches the owner (its zone sends that player the whole view), naming only the slow reader;
        // the gateway answered every call, so it is never let go however many receipts it sends.
        Assert.Equal(Enumerable.Repeat(("gw", slowReader), _options.MaxDeliveryFailures + 1), _listener.Undelivered);
        Assert.Empty(_listener.Lost);
        Assert.Equal(1, fanout.Gateways);
    }

    [Fact]
    public async Task AGatewayThatFailsEveryDeliveryIsLetGoAfterTheLimitAndEachLossIsReported()
    {
        var fanout = NewFanout();
        var dead = new Gateway { Fail = true };
        var who = Guid.NewGuid();
        for (var i = 1; i <= _options.MaxDeliveryFailures; i++)
        {
            Assert.Empty(_listener.Lost);
            fanout.To("dead", dead).WriteFrame(Session("dead", dead, 1), who, 0x4002, [1]);
            Assert.Equal(1, await fanout.SendAsync("zone", i));
            Assert.Equal(i, _listener.Undelivered.Count);
        }

        Assert.Equal(["dead"], _listener.Lost);
        Assert.Equal(0, fanout.Gateways);
    }

    [Fact]
    public async Task ADeliveryNotAnsweredInTimeCountsAsFailedAndASuccessResetsTheCount()
    {
        _options.DeliveryTimeout = TimeSpan.FromMilliseconds(200);
        var fanout = NewFanout();
        var gateway = new Gateway { Hold = true };
        var who = Guid.NewGuid();
        for (var i = 0; i < _options.MaxDeliveryFailures - 1; i++)
        {
            fanout.To("gw", gateway).WriteFrame(Session("gw", gateway, 1), who, 0x4002, [1]);
            Assert.Equal(1, await fanout.SendAsync("zone", i));
        }

        gateway.Hold = false;
        fanout.To("gw", gateway).WriteFrame(Session("gw", gateway, 1), who, 0x4002, [1]);
        Assert.Equal(0, await fanout.SendAsync("zone", 5));

        // The earlier failures are forgiven: two more failures do not reach the limit of three.
        gateway.Fail = true;
        for (var i = 0; i < _options.MaxDeliveryFailures - 1; i++)
        {
            fanout.To("gw", gateway).WriteFrame(Session("gw", gateway, 1), who, 0x4002, [1]);
            Assert.Equal(1, await fanout.SendAsync("zone", 6 + i));
        }

        Assert.Empty(_listener.Lost);
    }

    [Fact]
    public async Task AnOrderedFanoutKeepsOneCallInFlightPerGatewayAndSendsWhatWaitedInOneCallWhenItIsAnswered()
    {
        // A zone's chat: the gateway may run two calls in either order, so the second waits for the first's answer.
        var fanout = NewFanout(ordered: true);
        var gateway = new Gateway { Hold = true };
        var who = Guid.NewGuid();
        Task<int> Say(byte line)
        {
            fanout.To("gw", gateway).WriteFrame(Session("gw", gateway, 1), who, 0x4003, [line]);
            return fanout.SendAsync("chat", 0);
        }

        var first = Say(1);
        Assert.Equal(0, await Say(2));
        Assert.Equal(0, await Say(3));
        Assert.Single(gateway.Batches);

        // Answered: the two lines that waited go in one call, in the order written, and nothing else is in flight.
        gateway.ReleaseNext();
        Assert.Equal(0, await first);
        Assert.Equal(2, gateway.Batches.Count);
        Assert.Equal([2, 3], new[] { gateway.Batches[1].PayloadOf(0)[0], gateway.Batches[1].PayloadOf(1)[0] });
        Assert.Equal(1, fanout.PendingTo("gw"));

        // As many sends as a gateway may leave unanswered wait; one more, and what waits is dropped and reported.
        Assert.Equal(0, await Say(4));
        Assert.Equal(0, await Say(5));
        Assert.Equal(1, await Say(6));
        Assert.Equal(3, _listener.Undelivered.Count);
        gateway.ReleaseNext();
        await Await.Until(() => fanout.PendingTo("gw") == 0, "the second call to be answered");
        Assert.Equal(2, gateway.Batches.Count);

        // Nothing in flight: the next line goes at once.
        gateway.Hold = false;
        Assert.Equal(0, await Say(7));
        Assert.Equal([7], gateway.Batches[2].PayloadOf(0).ToArray());
    }

    private GatewayFanout NewFanout(bool ordered = false) =>
        new(_options, new WorldMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger.Instance, _listener, ordered);

    private static PlayerSession Session(string gatewayId, IGatewayObserver gateway, long connectionId) =>
        new(Guid.NewGuid(), gatewayId, connectionId, gateway);

    public void Dispose() => _services.Dispose();

    /// <summary>A gateway's observer in this process: answers at once, fails, or holds its answer.</summary>
    private sealed class Gateway : IGatewayObserver
    {
        private readonly Queue<TaskCompletionSource<DeliveryReceipt?>> _held = new();

        public List<PushBatch> Batches { get; } = [];

        public bool Hold { get; set; }

        public bool Fail { get; set; }

        /// <summary>What it answers: the characters whose updates it let go, or null.</summary>
        public DeliveryReceipt? Receipt { get; set; }

        /// <summary>Answers the oldest delivery still held.</summary>
        public void ReleaseNext() => _held.Dequeue().TrySetResult(null);

        public Task<DeliveryReceipt?> Deliver(PushBatch batch)
        {
            Batches.Add(batch);
            return Fail ? Task.FromException<DeliveryReceipt?>(new IOException("gateway gone"))
                : Hold ? Held()
                : Task.FromResult(Receipt);
        }

        private Task<DeliveryReceipt?> Held()
        {
            var answer = new TaskCompletionSource<DeliveryReceipt?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _held.Enqueue(answer);
            return answer.Task;
        }

        public Task Kick(long connectionId, Guid sessionId, KickReason reason) => Task.CompletedTask;

        // Operations calls this test double never takes part in.
        public Task SetAddressBans(OrleansMmo.Grains.Operations.AddressBanList bans) => Task.CompletedTask;

        public Task<int> SetDraining(bool draining) => Task.FromResult(0);

        public Task ShutdownScheduled(DateTimeOffset? at) => Task.CompletedTask;

        public Task ShutdownNow() => Task.CompletedTask;

        public Task Stop() => Task.CompletedTask;

        public Task<InWorldConnection[]> ListInWorld(string worldId) => Task.FromResult(Array.Empty<InWorldConnection>());
    }

    private sealed class Listener : IDeliveryListener
    {
        public List<(string Gateway, Guid Character)> Undelivered { get; } = [];

        public List<string> Lost { get; } = [];

        public void OnUndelivered(string gatewayId, IReadOnlyList<Guid> characters) =>
            Undelivered.AddRange(characters.Select(c => (gatewayId, c)));

        public void OnGatewayLost(string gatewayId) => Lost.Add(gatewayId);
    }
}
