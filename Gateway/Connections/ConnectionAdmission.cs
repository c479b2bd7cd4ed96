using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using OrleansMmo.Limits;

namespace OrleansMmo.Gateway.Connections;

/// <summary>
/// Admits a new connection by its source address: at most <see cref="GatewayOptions.MaxConnectionsPerAddress"/>
/// at once and <see cref="GatewayOptions.NewConnectionsPerAddressPerSecond"/> new ones a second (a token bucket
/// of <see cref="GatewayOptions.NewConnectionBurstPerAddress"/>). IPv6 sources are keyed by their /64, the block
/// one subscriber usually gets, so rotating addresses inside it gains nothing. Addresses in
/// <see cref="GatewayOptions.ConnectionLimitExemptNetworks"/> (the load balancer's, until it passes the client's
/// address on) and addresses that cannot be parsed (in-process carriers) are not limited.
/// </summary>
public sealed class ConnectionAdmission(IOptions<GatewayOptions> options)
{
    private readonly GatewayOptions _options = options.Value;
    private readonly IReadOnlyList<IPNetwork> _exempt = ParseNetworks(options.Value.ConnectionLimitExemptNetworks);
    private readonly ConcurrentDictionary<string, Source> _sources = new();
    private readonly PruneSchedule _prune = new(TimeSpan.FromSeconds(10));

    /// <summary>Sources with a connection open or a recent one, for the metrics.</summary>
    public int TrackedSources => _sources.Count;

    /// <summary>
    /// Takes a slot for a connection from <paramref name="remoteAddress"/>; null when admitted (then
    /// <paramref name="release"/> must be called once when it ends), otherwise why not.
    /// </summary>
    public string? TryAdmit(string remoteAddress, out Action release)
    {
        release = static () => { };
        if (KeyOf(remoteAddress) is not { } key || IsExempt(remoteAddress))
        {
            return null;
        }

        PruneNow();
        while (true)
        {
            var source = _sources.GetOrAdd(key, _ => new Source(_options));
            lock (source)
            {
                if (source.Removed)
                {
                    continue; // pruned between the lookup and the lock: take the fresh one
                }

                if (source.Open >= _options.MaxConnectionsPerAddress)
                {
                    return "too many connections from this address";
                }

                if (!source.NewConnections.TryTake(out _))
                {
                    return "too many new connections from this address";
                }

                source.Open++;
                source.LastUsed = Stopwatch.GetTimestamp();
            }

            var released = 0;
            release = () =>
            {
                if (Interlocked.Exchange(ref released, 1) == 0)
                {
                    lock (source)
                    {
                        source.Open--;
                        source.LastUsed = Stopwatch.GetTimestamp();
                    }
                }
            };
            return null;
        }
    }

    /// <summary>
    /// A connection from <paramref name="remoteAddress"/> was cut for abuse: its address loses the new connections of
    /// <see cref="GatewayOptions.AbuseCutConnectionPenalty"/> (at most a burst into debt).
    /// </summary>
    public void Penalize(string remoteAddress)
    {
        var penalty = _options.AbuseCutConnectionPenalty;
        if (penalty <= TimeSpan.Zero || KeyOf(remoteAddress) is not { } key || !_sources.TryGetValue(key, out var source))
        {
            return; // exempt and unparsable addresses were never tracked
        }

        lock (source)
        {
            source.NewConnections.Charge(penalty.TotalSeconds * _options.NewConnectionsPerAddressPerSecond, _options.NewConnectionBurstPerAddress);
            source.LastUsed = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>The key a source is limited by (<see cref="OrleansMmo.Grains.Accounts.AccountKeys.SourceOf"/>): the same one the login throttle uses.</summary>
    public static string? KeyOf(string remoteAddress) => OrleansMmo.Grains.Accounts.AccountKeys.SourceOf(remoteAddress);

    /// <summary>Parses a comma-separated list of CIDR networks; throws <see cref="FormatException"/> naming a bad one.</summary>
    public static IReadOnlyList<IPNetwork> ParseNetworks(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(cidr => IPNetwork.TryParse(cidr, out var network) ? network : throw new FormatException($"'{cidr}' is not a network in CIDR form (e.g. 10.0.0.0/8)"))
            .ToList();

    /// <summary>Whether <paramref name="remoteAddress"/> is in <see cref="GatewayOptions.ConnectionLimitExemptNetworks"/>: no per-address limit applies to it.</summary>
    public bool IsExempt(string remoteAddress)
    {
        if (_exempt.Count == 0 || !IPAddress.TryParse(remoteAddress, out var address))
        {
            return false;
        }

        return AnyContains(_exempt, address);
    }

    /// <summary>Whether one of <paramref name="networks"/> holds <paramref name="address"/>, an IPv4-mapped IPv6 address as its IPv4 one too.</summary>
    public static bool AnyContains(IReadOnlyList<IPNetwork> networks, IPAddress address)
    {
        var v4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return networks.Any(n => n.Contains(address) || n.Contains(v4));
    }

    /// <summary>Forgets sources with nothing open whose bucket has refilled: they would be admitted as new anyway.</summary>
    private void PruneNow()
    {
        if (!_prune.IsDue())
        {
            return;
        }

        var refill = TimeSpan.FromSeconds(_options.NewConnectionBurstPerAddress / _options.NewConnectionsPerAddressPerSecond);
        foreach (var (key, source) in _sources)
        {
            lock (source)
            {
                if (source.Open == 0 && Stopwatch.GetElapsedTime(source.LastUsed) > refill)
                {
                    source.Removed = true;
                    _sources.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed class Source(GatewayOptions options)
    {
        public TokenBucket NewConnections = new(options.NewConnectionsPerAddressPerSecond, options.NewConnectionBurstPerAddress);
        public int Open;
        public long LastUsed = Stopwatch.GetTimestamp();
        public bool Removed;
    }
}

/// <summary>Checks what the attributes cannot: the exempt networks parse, and the Hello timeout is positive.</summary>
public sealed class GatewayAddressRulesValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        try
        {
            ConnectionAdmission.ParseNetworks(options.ConnectionLimitExemptNetworks);
        }
        catch (FormatException ex)
        {
            return ValidateOptionsResult.Fail($"Gateway:ConnectionLimitExemptNetworks: {ex.Message}");
        }

        try
        {
            ConnectionAdmission.ParseNetworks(options.TrustedProxies);
        }
        catch (FormatException ex)
        {
            return ValidateOptionsResult.Fail($"Gateway:TrustedProxies: {ex.Message}");
        }

        if (options.ProxyHeaderTimeout <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Gateway:ProxyHeaderTimeout must be positive");
        }

        if (options.Tls.Enabled && GatewayTls.TryLoad(options.Tls, out _) is { } tlsError)
        {
            return ValidateOptionsResult.Fail(tlsError);
        }

        if (options.AbuseCutConnectionPenalty < TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Gateway:AbuseCutConnectionPenalty must not be negative (zero turns it off)");
        }

        // Longer than UnauthenticatedTimeout is allowed: that timeout covers Handshaking too, so the shorter one wins.
        if (options.HelloTimeout <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Gateway:HelloTimeout must be positive");
        }

        return ValidateOptionsResult.Success;
    }
}
