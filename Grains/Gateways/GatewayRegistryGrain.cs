using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Operations;

namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// Holds the latest heartbeat of every gateway. Nothing is persisted on purpose: the gateways
/// re-send everything every couple of seconds, so an empty registry after a failover is full again
/// within one heartbeat interval, and a stored list could only be staler than that.
/// </summary>
/// <remarks>
/// It also closes the session records of gateways that die (<see cref="SweepSessionsAsync"/>): a gateway
/// that expires has its open sessions ended at its last heartbeat. Sightings are written to the database
/// too, so sessions of a gateway that died while no registry watched (the registry's silo failed at the
/// same time) are still closed, at the last sighting on record.
/// </remarks>
public sealed partial class GatewayRegistryGrain(
    IOptions<GatewayRegistryOptions> options,
    IOperationsStore records,
    TimeProvider time,
    ILogger<GatewayRegistryGrain> logger)
    : Grain, IGatewayRegistryGrain
{
    private readonly GatewayRegistryOptions _options = options.Value;
    private readonly Dictionary<string, GatewayRegistration> _gateways = new(StringComparer.Ordinal);

    /// <summary>Gateway processes that dropped out and whose sessions are still to be closed, with their last heartbeat.</summary>
    private readonly Dictionary<string, DateTimeOffset> _lost = new(StringComparer.Ordinal);

    private DateTimeOffset _activatedAt;
    private bool _sweeping;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = time.GetUtcNow();
        this.RegisterGrainTimer(SweepSessionsAsync, new GrainTimerCreationOptions(_options.SessionSweepInterval, _options.SessionSweepInterval)
        {
            // The sweep must not hold up heartbeats, and a sweep still running is never started twice (see _sweeping).
            Interleave = true,
        });
        return Task.CompletedTask;
    }

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

        if (_gateways.TryGetValue(registration.GatewayId, out var previous) && previous.Instance != registration.Instance && previous.Instance.Length > 0)
        {
            // The same gateway id from a new process: the old process died (or stopped) unseen.
            _lost[previous.Instance] = previous.LastSeen;
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
                if (gateway.Instance.Length > 0)
                {
                    _lost[gateway.Instance] = gateway.LastSeen;
                }

                LogExpired(logger, id, now - gateway.LastSeen);
            }
        }
    }

    /// <summary>
    /// Records who is alive, and closes the open sessions of gateway processes that are not: those that
    /// dropped out here (at their last heartbeat), and, once this activation has seen a full expiry period
    /// of heartbeats, any other process that still has open sessions (at its last sighting on record).
    /// </summary>
    private async Task SweepSessionsAsync(CancellationToken cancellationToken)
    {
        if (_sweeping)
        {
            return;
        }

        _sweeping = true;
        try
        {
            var now = time.GetUtcNow();
            DropExpired(now);
            var live = _gateways.Values.Where(g => g.Instance.Length > 0).ToList();
            await records.RecordGatewaysSeenAsync([.. live.Select(g => new GatewaySeen(g.Instance, g.GatewayId, g.LastSeen))], cancellationToken);
            foreach (var (instance, lastSeen) in _lost.ToList())
            {
                var ended = await records.EndSessionsOfGatewayAsync(instance, lastSeen, cancellationToken);
                _lost.Remove(instance);
                if (ended > 0)
                {
                    LogSessionsClosed(logger, instance, ended, lastSeen);
                }
            }

            if (now - _activatedAt < _options.Expiry * 2)
            {
                // A new activation (after a failover) has not heard from every live gateway yet.
                return;
            }

            var liveInstances = live.Select(g => g.Instance).ToHashSet(StringComparer.Ordinal);
            foreach (var instance in await records.GatewaysWithOpenSessionsAsync(cancellationToken))
            {
                if (!liveInstances.Contains(instance))
                {
                    var lastSeen = await records.GatewayLastSeenAsync(instance, cancellationToken) ?? DateTimeOffset.UnixEpoch;
                    var ended = await records.EndSessionsOfGatewayAsync(instance, lastSeen, cancellationToken);
                    LogSessionsClosed(logger, instance, ended, lastSeen);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database may be away: the lost gateways stay listed and the next sweep tries again.
            LogSweepFailed(logger, ex);
        }
        finally
        {
            _sweeping = false;
        }
    }

    [LoggerMessage(EventId = LogEvents.GatewaySessionsClosed, Level = LogLevel.Information, Message = "Gateway process {Instance} is gone: closed {Sessions} open sessions at its last heartbeat {LastSeen}")]
    private static partial void LogSessionsClosed(ILogger logger, string instance, int sessions, DateTimeOffset lastSeen);

    [LoggerMessage(EventId = LogEvents.GatewaySessionSweepFailed, Level = LogLevel.Warning, Message = "Closing the sessions of dead gateways failed; retried at the next sweep")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEvents.GatewayJoined, Level = LogLevel.Information, Message = "Gateway {GatewayId} registered at {Host}:{Port}")]
    private static partial void LogJoined(ILogger logger, string gatewayId, string host, int port);

    [LoggerMessage(EventId = LogEvents.GatewayLeft, Level = LogLevel.Information, Message = "Gateway {GatewayId} unregistered")]
    private static partial void LogLeft(ILogger logger, string gatewayId);

    [LoggerMessage(EventId = LogEvents.GatewayExpired, Level = LogLevel.Warning, Message = "Gateway {GatewayId} dropped out: not heard from for {Silence}")]
    private static partial void LogExpired(ILogger logger, string gatewayId, TimeSpan silence);

    [LoggerMessage(EventId = LogEvents.GatewayRegistryFull, Level = LogLevel.Warning, Message = "Gateway {GatewayId} not registered: the registry holds its maximum of {Max}")]
    private static partial void LogFull(ILogger logger, string gatewayId, int max);
}
