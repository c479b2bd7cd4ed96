namespace OrleansMmo.Benchmarks.Baselines;

/// <summary>
/// A grain that does nothing but answer: the baseline for "what does one Orleans call cost here",
/// measured by the request benchmark beside the gateway's full path (docs/benchmarks/README.md).
/// Only the benchmark tool's silo (<c>host silo</c>) has it, never the product's. Key: any integer; a
/// caller uses its own key so calls spread over activations as players' calls do.
/// </summary>
[Alias("mmo.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    /// <summary>Returns <paramref name="value"/> unchanged.</summary>
    [Alias("Ping")]
    Task<long> Ping(long value);
}
