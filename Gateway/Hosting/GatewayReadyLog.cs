using System.Net;
using OrleansMmo.Gateway.Sessions;

namespace OrleansMmo.Gateway.Hosting;

/// <summary>
/// One line once the gateway listens: its id, the raw TCP game port, and the admin port. It stands in for the
/// host's own start-up lines (off by default), which would announce the game port as an http:// address.
/// </summary>
internal sealed partial class GatewayReadyLog(
    IHostApplicationLifetime lifetime, GatewayEndpoints endpoints, GatewayIdentity identity, ILogger<GatewayReadyLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => LogReady(logger, identity.GatewayId, endpoints.Game?.IPEndPoint, endpoints.Admin?.IPEndPoint));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = LogEvents.GatewayReady, Level = LogLevel.Information,
        Message = "Gateway {GatewayId} ready: game clients on tcp://{Game}, admin on http://{Admin} (/health/ready, /metrics)")]
    private static partial void LogReady(ILogger logger, string gatewayId, IPEndPoint? game, IPEndPoint? admin);
}
