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
public sealed partial class ConnectionAdmission(IOptions<GatewayOptions> options)
{
    private readonly GatewayOptions _options = options.Value;
    private readonly IReadOnlyList<IPNetwork> _exempt = ParseNetworks(options.Value.ConnectionLimitExemptNetworks);
    private readonly ConcurrentDictionary<string, Source> _sources = new();
    private readonly PruneSchedule _prune = new(TimeSpan.FromSeconds(10));

    /// <summary>Sources with a connection open or a recent one, for the metrics.</summary>
    public int TrackedSources => _sources.Count;

    // Why a connection is refused: the Disconnect notice's detail.
    private const string TooManyOpen = "too many connections from this address";
    private const string TooManyNew = "too many new connections from this address";

    // A flood from one address is refused hundreds of times a second: one log line per address per interval says so.
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Takes a slot for a connection from <paramref name="remoteAddress"/>; null when admitted (then
    /// <paramref name="release"/> must be called once when it ends), otherwise why not.
    /// </summary>
    public Refusal? TryAdmit(string remoteAddress, out Action release)
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

                if (RefusalOf(source, take: true) is { } refusal)
                {
                    return refusal;
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
    /// Whether a connection from <paramref name="remoteAddress"/> would be refused now, taking nothing: the accept
    /// loop asks this to refuse a flood before a connection is built (<see cref="GameListenerFactory"/>); one it lets
    /// through is admitted by <see cref="TryAdmit"/> as any other.
    /// </summary>
    public Refusal? RefusalFor(string remoteAddress)
    {
        if (KeyOf(remoteAddress) is not { } key || !_sources.TryGetValue(key, out var source) || IsExempt(remoteAddress))
        {
            return null; // an address not tracked has its whole burst
        }

        lock (source)
        {
            return source.Removed ? null : RefusalOf(source, take: false);
        }
    }

    /// <summary>Logs <paramref name="refused"/> when its address's line is due (<see cref="Refusal.ToLog"/>).</summary>
    public static void LogRefused(ILogger logger, long connectionId, string remoteAddress, Refusal refused)
    {
        if (refused.ToLog > 0)
        {
            LogRefusedLine(logger, connectionId, remoteAddress, refused.Why, refused.ToLog);
        }
    }

    [LoggerMessage(EventId = LogEvents.ConnectionRefusedByAddress, Level = LogLevel.Information, Message = "Connection {ConnectionId} from {RemoteAddress} refused: {Why} ({Refused} refused from this address since its last such line)")]
    private static partial void LogRefusedLine(ILogger logger, long connectionId, string remoteAddress, string why, int refused);

    /// <summary>The refusal for <paramref name="source"/> (held locked), counted for the log; with <paramref name="take"/>, an admission takes its token.</summary>
    private Refusal? RefusalOf(Source source, bool take)
    {
        var why = source.Open >= _options.MaxConnectionsPerAddress ? TooManyOpen
            : (take ? !source.NewConnections.TryTake(out _) : !source.NewConnections.CanTake()) ? TooManyNew
            : null;
        if (why is null)
        {
            return null;
        }

        source.RefusedUnlogged++;
        if (source.RefusalLogged != 0 && Stopwatch.GetElapsedTime(source.RefusalLogged) < RefusalLogInterval)
        {
            return new Refusal(why, 0);
        }

        var count = source.RefusedUnlogged;
        source.RefusedUnlogged = 0;
        source.RefusalLogged = Stopwatch.GetTimestamp();
        return new Refusal(why, count);
    }

    /// <summary>
    /// A connection from <paramref name="remoteAddress"/> misbehaved (cut for abuse, or silent until the Hello timeout):
    /// its address loses the new connections of <paramref name="penalty"/> (at most a burst into debt).
    /// </summary>
    public void Penalize(string remoteAddress, TimeSpan penalty)
    {
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
        public int RefusedUnlogged;
        public long RefusalLogged; // 0: never
    }
}

/// <summary>
/// A connection refused by <see cref="ConnectionAdmission"/>: <see cref="Why"/> for the client, and
/// <see cref="ToLog"/> refusals of its address to log now (the first, then one line per address per
/// interval counting the ones in between); 0 while its address's line is not due.
/// </summary>
public readonly record struct Refusal(string Why, int ToLog);

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

        if (options.SilentConnectionPenalty < TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Gateway:SilentConnectionPenalty must not be negative (zero turns it off)");
        }

        // Longer than UnauthenticatedTimeout is allowed: that timeout covers Handshaking too, so the shorter one wins.
        if (options.HelloTimeout <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Gateway:HelloTimeout must be positive");
        }

        return ValidateOptionsResult.Success;
    }
}
