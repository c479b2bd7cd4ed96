using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Tests.Benchmarks;

/// <summary>The queue benchmark's ledger: turns out of queue order counted, and the worst one told in full.</summary>
[Trait("Category", "Unit")]
public class QueueLedgerTests
{
    [Fact]
    public void ATurnHeardAfterOneBehindItIsAnInversionToldWithWhatTheLateClientHeard()
    {
        var ledger = new QueueLedger();
        var ahead = ledger.For(1);
        var behind = ledger.For(2);
        var places = new Dictionary<QueueLedger.Entry, long> { [ahead] = 10, [behind] = 11 };
        ahead.Told(position: 1, ready: false, ticket: "a");
        behind.Told(position: 2, ready: false, ticket: "b");
        behind.Told(position: 0, ready: true, ticket: "b", readyForMs: 30_000);
        // The client ahead hears its turn after the one behind it, with part of its grace already gone; its connection
        // had read the turn, then an older position.
        ahead.Pushed(position: 0, ready: true, readyForMs: 30_000, version: 20);
        ahead.Pushed(position: 3, ready: false, readyForMs: 0, version: 10);
        ahead.Told(position: 0, ready: true, ticket: "a", readyForMs: 28_000);

        Assert.Equal(1, ledger.FifoViolations(e => places[e], TimeSpan.Zero));
        Assert.Equal(0, ledger.FifoViolations(e => places[e], TimeSpan.FromHours(1)));
        var told = ledger.DescribeLargestInversion(e => places[e]);
        Assert.NotNull(told);
        Assert.StartsWith("place 10 heard its turn", told);
        Assert.Contains("after place 11 heard its", told);
        Assert.Contains("position 1", told);
        Assert.Contains("ready, 28000 ms left", told);
        Assert.Equal(1, ledger.PushesOutOfOrder);
        Assert.Matches("read these pushes: [+-]\\d+ ms: ready, 30000 ms left; [+-]\\d+ ms: position 3$", told);
    }

    [Fact]
    public void TurnsInQueueOrderAreNoInversion()
    {
        var ledger = new QueueLedger();
        var ahead = ledger.For(1);
        var behind = ledger.For(2);
        var places = new Dictionary<QueueLedger.Entry, long> { [ahead] = 10, [behind] = 11 };
        ahead.Told(position: 0, ready: true, ticket: "a", readyForMs: 30_000);
        behind.Told(position: 0, ready: true, ticket: "b", readyForMs: 30_000);

        Assert.Equal(0, ledger.FifoViolations(e => places[e], TimeSpan.Zero));
        Assert.Null(ledger.DescribeLargestInversion(e => places[e]));
    }
}
