using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Silo.Storage;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// One real silo on free loopback ports with <see cref="StorageHostingExtensions.AddMmoGrainStorage"/>
/// and <see cref="WriteBehindHostingExtensions.AddMmoWriteBehind"/>,
/// configured only from the settings given (no appsettings, no environment variables).
/// </summary>
public sealed class StorageTestSilo : IAsyncDisposable
{
    public const string ServiceId = "persistence-tests";

    private readonly IHost _host;
    private readonly CapturedLogs _logs;

    private StorageTestSilo(IHost host, CapturedLogs logs)
    {
        _host = host;
        _logs = logs;
    }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>This silo's write-behind totals (each silo has its own, even in one process).</summary>
    public WriteBehindTotals WriteBehind => Services.GetRequiredService<WriteBehindMetrics>().Totals;

    /// <summary>Log entries at Information and above, oldest first.</summary>
    public IReadOnlyCollection<string> Logs => _logs.Entries;

    public static async Task<StorageTestSilo> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        // No defaults: a ConnectionStrings__Postgres in the environment must not switch engines under a test.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturedLogs();
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort: LoopbackPorts.FreeTcp(), gatewayPort: LoopbackPorts.FreeTcp(), serviceId: ServiceId, clusterId: ServiceId)
            .AddMmoGrainStorage(builder.Configuration)
            .AddMmoWriteBehind(builder.Configuration));
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new StorageTestSilo(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
