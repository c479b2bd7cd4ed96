using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// Holds the latest heartbeat of every gateway. Nothing is persisted on purpose: the gateways
/// re-send everything every couple of seconds, so an empty registry after a failover is full again
/// within one heartbeat interval, and a stored list could only be staler than that.
/// </summary>
public sealed partial class GatewayRegistryGrain(IOptions<GatewayRegistryOptions> options, TimeProvider time, ILogger<GatewayRegistryGrain> logger)
    : Grain, IGatewayRegistryGrain
{
    private readonly GatewayRegistryOptions _options = options.Value;
    private readonly Dictionary<string, GatewayRegistration> _gateways = new(StringComparer.Ordinal);

    public Task Heartbeat(GatewayRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var now = time.GetUtcNow();
        DropExpired(now);
        if (!_gateways.ContainsKey(registration.GatewayId))
        {
            if (_gateways.Count >= _options.MaxGateways)
            {
                LogFull(logger, registration.GatewayId, _options.MaxGateways);
                return Task.CompletedTask;
            }

            LogJoined(logger, registration.GatewayId, registration.PublicHost, registration.PublicPort);
        }

        // The registry's clock, not the gateway's: expiry must not depend on clocks agreeing.
        _gateways[registration.GatewayId] = registration with { LastSeen = now };
        return Task.CompletedTask;
    }

    public Task Unregister(string gatewayId)
    {
        if (_gateways.Remove(gatewayId))
        {
            LogLeft(logger, gatewayId);
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<GatewayRegistration>> GetLive()
    {
        var cutoff = time.GetUtcNow() - _options.Expiry;
        var live = ImmutableArray.CreateBuilder<GatewayRegistration>(_gateways.Count);
        foreach (var gateway in _gateways.Values)
        {
            if (gateway.LastSeen >= cutoff)
            {
                live.Add(gateway);
            }
        }

        return Task.FromResult(live.ToImmutable());
    }

    private void DropExpired(DateTimeOffset now)
    {
        var cutoff = now - _options.Expiry;
        foreach (var (id, gateway) in _gateways)
        {
            if (gateway.LastSeen < cutoff)
            {
                // Removing during enumeration is allowed for Dictionary since .NET Core 3.0.
                _gateways.Remove(id);
                LogExpired(logger, id, now - gateway.LastSeen);
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.GatewayJoined, Level = LogLevel.Information, Message = "Gateway {GatewayId} registered at {Host}:{Port}")]
    private static partial void LogJoined(ILogger logger, string gatewayId, string host, int port);

    [LoggerMessage(EventId = LogEvents.GatewayLeft, Level = LogLevel.Information, Message = "Gateway {GatewayId} unregistered")]
    private static partial void LogLeft(ILogger logger, string gatewayId);

    [LoggerMessage(EventId = LogEvents.GatewayExpired, Level = LogLevel.Warning, Message = "Gateway {GatewayId} dropped out: not heard from for {Silence}")]
    private static partial void LogExpired(ILogger logger, string gatewayId, TimeSpan silence);

    [LoggerMessage(EventId = LogEvents.GatewayRegistryFull, Level = LogLevel.Warning, Message = "Gateway {GatewayId} not registered: the registry holds its maximum of {Max}")]
    private static partial void LogFull(ILogger logger, string gatewayId, int max);
}
