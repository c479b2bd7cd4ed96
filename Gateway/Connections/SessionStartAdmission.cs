using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// Admission control for session starts (Login, ResumeSession) on one gateway. Section <c>Gateway:SessionStarts</c>.
/// A session start is the most expensive thing a client asks for (an account activation and storage read, a
/// password hash for a login, then usually a character list and a world entry): thousands of them at once (a
/// gateway restart, the end of maintenance, a queue opening) take the silo's cores from the players already in
/// the world. Starts beyond the rate wait their turn, oldest first, for at most <see cref="MaxWait"/>; past that the
/// client is answered BUSY with a <c>retry_after_ms</c> spread over time, so a refused crowd does not come back
/// all in the same instant.
/// </summary>
public sealed class SessionStartOptions
{
    public const string Section = "Gateway:SessionStarts";

    /// <summary>Session starts this gateway lets through per second, sustained. Zero turns admission control off.</summary>
    [Range(0, 1_000_000)] public double PerSecond { get; set; } = 100;

    /// <summary>Session starts let through at once after a quiet period (token bucket size).</summary>
    [Range(1, 1_000_000)] public int Burst { get; set; } = 100;

    /// <summary>
    /// Longest a start waits for its turn at the gateway; one that would wait longer is answered BUSY at once.
    /// Keep it well under <see cref="GatewayOptions.UnauthenticatedTimeout"/> and the clients' request timeout.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(2);
}

[OptionsValidator]
public sealed partial class SessionStartOptionsValidator : IValidateOptions<SessionStartOptions>;

/// <summary>The gateway's gate in front of session starts; see <see cref="SessionStartOptions"/>.</summary>
public sealed class SessionStartAdmission : IAsyncDisposable
{
    // Tokens are added in small steps so a burst of waiters is released evenly through the second.
    private static readonly TimeSpan ReplenishmentPeriod = TimeSpan.FromMilliseconds(50);

    private readonly TokenBucketRateLimiter? _limiter;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _waited;

    public SessionStartAdmission(IOptions<SessionStartOptions> options, IMeterFactory meterFactory)
    {
        var o = options.Value;
        if (o.PerSecond > 0)
        {
            var perPeriod = Math.Max(1, (int)Math.Round(o.PerSecond * ReplenishmentPeriod.TotalSeconds));
            var period = TimeSpan.FromSeconds(perPeriod / o.PerSecond);
            _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.Burst,
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = period,
                // A full queue is MaxWait's worth of starts: whoever finds it full would wait longer than that.
                QueueLimit = Math.Max(1, (int)Math.Ceiling(o.PerSecond * o.MaxWait.TotalSeconds)),
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }

        var meter = meterFactory.Create(Metrics.GatewayMetrics.MeterName);
        _refused = meter.CreateCounter<long>("mmo.gateway.session_starts.refused", "{start}", "Logins and resumes answered BUSY by the gateway's admission control");
        _waited = meter.CreateHistogram<double>("mmo.gateway.session_starts.wait", "s", "Time a login or resume waited for its turn at the gateway",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5] });
    }

    /// <summary>
    /// Waits for this session start's turn. False, with how long to wait before trying again, when the wait would
    /// be longer than <see cref="SessionStartOptions.MaxWait"/>.
    /// </summary>
    public async ValueTask<(bool Admitted, TimeSpan RetryAfter)> WaitTurnAsync()
    {
        if (_limiter is null)
        {
            return (true, TimeSpan.Zero);
        }

        var started = TimeProvider.System.GetTimestamp();
        using var lease = await _limiter.AcquireAsync(1);
        if (lease.IsAcquired)
        {
            _waited.Record(TimeProvider.System.GetElapsedTime(started).TotalSeconds);
            return (true, TimeSpan.Zero);
        }

        _refused.Add(1);
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        // Everyone refused in the same instant is told nearly the same time: spread them over up to twice that.
        return (false, retryAfter + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Max(retryAfter.TotalMilliseconds, 500)));
    }

    public ValueTask DisposeAsync() => _limiter?.DisposeAsync() ?? ValueTask.CompletedTask;
}
