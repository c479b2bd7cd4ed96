using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OrleansMmo.Hosting;

namespace OrleansMmo.Silo.Hosting;

/// <summary>
/// One line once the silo has started: which cluster it joined and how, and where its admin port serves the
/// dashboard and health. It stands in for the host's own start-up lines, which are off by default.
/// </summary>
internal sealed partial class SiloReadyLog(
    IHostApplicationLifetime lifetime, ILocalSiloDetails silo, IOptions<MmoClusterOptions> cluster, IConfiguration configuration, IServer server,
    ILogger<SiloReadyLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var membership = string.IsNullOrWhiteSpace(configuration.GetConnectionString(MmoClusterOptions.RedisConnectionStringName)) ? "localhost" : "Redis";
            var admin = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "(none)";
            LogReady(logger, silo.SiloAddress.Endpoint, cluster.Value.ClusterId, membership, admin);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = LogEvents.SiloReady, Level = LogLevel.Information,
        Message = "Silo {Silo} is in cluster {ClusterId} ({Membership} membership); dashboard {Admin}/dashboard, health {Admin}/health/ready")]
    private static partial void LogReady(ILogger logger, IPEndPoint silo, string clusterId, string membership, string admin);
}
