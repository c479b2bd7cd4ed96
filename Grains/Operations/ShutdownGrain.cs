using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Operations;

/// <summary>
/// Runs a scheduled shutdown (see <see cref="IShutdownGrain"/>): announces at the marks of
/// <see cref="AnnounceAt"/> still ahead, tells the gateways to refuse logins, and at the time has every
/// gateway close its connections (awaited, so the sessions' ends are recorded), then sets the phase that
/// makes every silo's <c>ShutdownWatcher</c> stop its silo gracefully.
/// </summary>
[GrainType("shutdown")]
public sealed partial class ShutdownGrain(TimeProvider time, ILogger<ShutdownGrain> logger) : Grain, IShutdownGrain
{
    /// <summary>Time left at which players are told; the first announcement goes out when the shutdown is scheduled.</summary>
    public static readonly TimeSpan[] AnnounceAt =
    [
        TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5),
    ];

    /// <summary>How long the gateways get to close their connections and record the sessions' ends.</summary>
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(30);

    private ShutdownStatus _status = ShutdownStatus.None;
    private IGrainTimer? _timer;
    private TimeSpan _nextMark = TimeSpan.MaxValue;

    public async Task<ShutdownStatus> Schedule(DateTimeOffset at, string message, string by)
    {
        if (_status.Phase is ShutdownPhase.Disconnecting or ShutdownPhase.Stopping)
        {
            return _status;
        }

        _status = new ShutdownStatus(ShutdownPhase.Counting, at, message, by);
        var left = at - time.GetUtcNow();
        _nextMark = AnnounceAt.FirstOrDefault(m => m < left, TimeSpan.Zero);
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
        LogScheduled(logger, at, by);
        await TellGatewaysAsync(g => g.ShutdownScheduled(at));
        await AnnounceAsync(left);
        return _status;
    }

    public async Task<bool> Cancel()
    {
        if (_status.Phase != ShutdownPhase.Counting)
        {
            return false;
        }

        _status = ShutdownStatus.None;
        _timer?.Dispose();
        _timer = null;
        LogCancelled(logger);
        await TellGatewaysAsync(g => g.ShutdownScheduled(null));
        await BroadcastAsync("The server shutdown was called off.");
        return true;
    }

    public Task<ShutdownStatus> GetStatus() => Task.FromResult(_status);

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_status is not { Phase: ShutdownPhase.Counting, At: { } at })
        {
            return;
        }

        var left = at - time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            if (left <= _nextMark)
            {
                await AnnounceAsync(left);
                _nextMark = AnnounceAt.FirstOrDefault(m => m < _nextMark, TimeSpan.Zero);
            }

            return;
        }

        _status = _status with { Phase = ShutdownPhase.Disconnecting };
        LogDisconnecting(logger);
        await TellGatewaysAsync(g => g.ShutdownNow(), DisconnectTimeout);
        // Every connection is closed and recorded: the gateways may go. Then every silo's watcher sees the last
        // phase and stops its silo; players' states are written as their grains deactivate.
        await TellGatewaysAsync(g => g.Stop());
        _status = _status with { Phase = ShutdownPhase.Stopping };
        LogStopping(logger);
        _timer?.Dispose();
        _timer = null;
    }

    private Task AnnounceAsync(TimeSpan left)
    {
        var text = $"The server shuts down in {Describe(left)}.";
        return BroadcastAsync(string.IsNullOrWhiteSpace(_status.Message) ? text : $"{text} {_status.Message}");
    }

    private async Task BroadcastAsync(string text)
    {
        try
        {
            await GrainFactory.GetGrain<IWorldChatGrain>(0).Broadcast(new ChatLine(ChatChannel.System, Guid.Empty, "", text, time.GetUtcNow(), ""));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAnnounceFailed(logger, ex);
        }
    }

    private async Task TellGatewaysAsync(Func<IGatewayObserver, Task> call, TimeSpan? timeout = null)
    {
        var gateways = await GrainFactory.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive();
        await Task.WhenAll(gateways.Select(async g =>
        {
            try
            {
                await call(g.Observer).WaitAsync(timeout ?? TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A gateway that did not hear stops with its cluster all the same, when its silos go.
                LogGatewayFailed(logger, ex, g.GatewayId);
            }
        }));
    }

    /// <summary>"5 minutes", "1 minute", "30 seconds": the time left rounded up to the unit players read.</summary>
    public static string Describe(TimeSpan left)
    {
        if (left >= TimeSpan.FromMinutes(1))
        {
            var minutes = (int)Math.Ceiling(left.TotalMinutes - 0.01);
            return minutes == 1 ? "1 minute" : string.Create(CultureInfo.InvariantCulture, $"{minutes} minutes");
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(left.TotalSeconds - 0.01));
        return seconds == 1 ? "1 second" : string.Create(CultureInfo.InvariantCulture, $"{seconds} seconds");
    }

    [LoggerMessage(EventId = LogEvents.ShutdownScheduled, Level = LogLevel.Warning, Message = "Cluster shutdown scheduled for {At} by {By}")]
    private static partial void LogScheduled(ILogger logger, DateTimeOffset at, string by);

    [LoggerMessage(EventId = LogEvents.ShutdownCancelled, Level = LogLevel.Warning, Message = "Cluster shutdown called off")]
    private static partial void LogCancelled(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ShutdownDisconnecting, Level = LogLevel.Warning, Message = "Cluster shutdown: closing every connection")]
    private static partial void LogDisconnecting(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ShutdownStopping, Level = LogLevel.Warning, Message = "Cluster shutdown: silos and gateways stop now")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ShutdownAnnounceFailed, Level = LogLevel.Warning, Message = "Cluster shutdown: an announcement failed")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEvents.ShutdownGatewayFailed, Level = LogLevel.Warning, Message = "Cluster shutdown: gateway {GatewayId} did not answer")]
    private static partial void LogGatewayFailed(ILogger logger, Exception exception, string gatewayId);
}
