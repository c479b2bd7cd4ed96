using Orleans.Concurrency;

namespace OrleansMmo.Benchmarks.Baselines;

/// <summary>
/// Answers at once, with no state and no I/O, so a benchmark measures the Orleans client-to-grain
/// round trip alone. Reentrant because the baseline is about the messaging path, not about one
/// activation's turn-based queue (a Player grain serves one connection, so it rarely queues either).
/// </summary>
[Reentrant]
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<long> Ping(long value) => Task.FromResult(value);
}
