using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Limits;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// Registrations per source address (an IPv6 /64), a token bucket of <see cref="GatewayOptions.RegistrationBurstPerAddress"/>
/// refilled at <see cref="GatewayOptions.RegistrationsPerAddressPerMinute"/>: each Register costs a full password hash,
/// so one address cannot keep the hashers busy. The exempt networks of the connection limits are exempt here too.
/// </summary>
public sealed class RegistrationBudget(IOptions<GatewayOptions> options, ConnectionAdmission admission)
{
    private readonly GatewayOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Source> _sources = new();
    private readonly PruneSchedule _prune = new(TimeSpan.FromSeconds(30));

    /// <summary>Takes one registration for <paramref name="remoteAddress"/>; otherwise says how long until one is available.</summary>
    public bool TryTake(string remoteAddress, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (AccountKeys.SourceOf(remoteAddress) is not { } key || admission.IsExempt(remoteAddress))
        {
            return true;
        }

        PruneNow();
        var source = _sources.GetOrAdd(key, _ => new Source(_options));
        lock (source)
        {
            source.LastUsed = Stopwatch.GetTimestamp();
            return source.Bucket.TryTake(out retryAfter);
        }
    }

    /// <summary>Forgets sources whose bucket has refilled: they would get a full bucket anyway.</summary>
    private void PruneNow()
    {
        if (!_prune.IsDue())
        {
            return;
        }

        var refill = TimeSpan.FromMinutes(_options.RegistrationBurstPerAddress / _options.RegistrationsPerAddressPerMinute);
        foreach (var (key, source) in _sources)
        {
            lock (source)
            {
                if (Stopwatch.GetElapsedTime(source.LastUsed) > refill)
                {
                    _sources.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed class Source(GatewayOptions options)
    {
        public TokenBucket Bucket = new(options.RegistrationsPerAddressPerMinute / 60, options.RegistrationBurstPerAddress);
        public long LastUsed = Stopwatch.GetTimestamp();
    }
}
