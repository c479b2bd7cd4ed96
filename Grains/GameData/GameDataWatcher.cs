using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.GameData;

/// <summary>
/// Applies live reloads on this silo: polls the cluster's game data release every
/// <see cref="WorldOptions.GameDataPollInterval"/>, checks a new one with the same loader as at start,
/// swaps it into the <see cref="GameDataCatalog"/> (grains see it at their next read; zones refresh
/// their players' view of the map), and reports to the release's grain. A release that does not check
/// out here leaves this silo's data as it was, and says why.
/// </summary>
public sealed partial class GameDataWatcher(
    IGrainFactory grains,
    GameDataCatalog catalog,
    ILocalSiloDetails silo,
    IOptions<WorldOptions> options,
    ILogger<GameDataWatcher> logger) : BackgroundService
{
    private long _seen;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.GameDataPollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PollAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    private async Task PollAsync()
    {
        var releases = grains.GetGrain<IGameDataGrain>(0);
        try
        {
            if (await releases.GetVersion() <= _seen || await releases.GetRelease() is not { } release || release.Version <= _seen)
            {
                return;
            }

            _seen = release.Version;
            string? error = null;
            try
            {
                catalog.Replace(GameDataLoader.Load(release.Files), release.Version);
                LogApplied(logger, release.Version, release.By);
            }
            catch (GameDataException ex)
            {
                error = ex.Message;
                LogRejected(logger, release.Version, ex.Message);
            }

            await releases.ReportApplied(silo.SiloAddress.ToString(), release.Version, error);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not GameDataException)
        {
            // The silo is still joining, or the release's grain is failing over: the next poll tries again.
            LogPollFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = LogEvents.GameDataApplied, Level = LogLevel.Warning, Message = "Game data release {Version} (by {By}) applied on this silo")]
    private static partial void LogApplied(ILogger logger, long version, string by);

    [LoggerMessage(EventId = LogEvents.GameDataRejected, Level = LogLevel.Error, Message = "Game data release {Version} not applied on this silo, which keeps its data: {Error}")]
    private static partial void LogRejected(ILogger logger, long version, string error);

    [LoggerMessage(EventId = LogEvents.GameDataPollFailed, Level = LogLevel.Debug, Message = "Polling the game data release failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
