using System.Threading.Channels;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// Sends broadcast groups (world chat lines, operator announcements) to the in-world connections a slice at a time,
/// with <see cref="GatewayOptions.BroadcastSliceInterval"/> between slices, one group after the other. Sent all at
/// once, a group is one wake of a writer and one <c>send</c> per connection queued in the same instant, and every
/// answer to a request that comes in meanwhile waits behind all of them (in the thread pool and in the socket
/// engine's I/O queues): on a busy gateway a chat line became the players' p99. Spread, answers go out between slices.
/// </summary>
public sealed partial class BroadcastPacer : BackgroundService
{
    private readonly SessionRegistry _sessions;
    private readonly GatewayOptions _options;
    private readonly Channel<PushBatch> _groups;
    private readonly List<ClientSession> _recipients = [];
    private readonly ILogger<BroadcastPacer> _logger;

    public BroadcastPacer(SessionRegistry sessions, IOptions<GatewayOptions> options, ILogger<BroadcastPacer> logger)
    {
        _sessions = sessions;
        _logger = logger;
        _options = options.Value;
        _groups = Channel.CreateBounded<PushBatch>(new BoundedChannelOptions(_options.BroadcastQueueGroups)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>
    /// Queues the batch's broadcast frames for every in-world connection. When the pacer is that many groups behind
    /// (a gateway far slower than the cluster's chat budget), the group goes out at once instead: late, never lost.
    /// </summary>
    public void Enqueue(PushBatch batch)
    {
        if (_options.BroadcastSlices <= 1 || !_groups.Writer.TryWrite(batch))
        {
            foreach (var session in _sessions.All)
            {
                SendGroup(session, batch);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _groups.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var batch))
                {
                    try
                    {
                        await SendPacedAsync(batch, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // One group's failure must not stop every later group (nor, as a hosted service's, the gateway).
                        _recipients.Clear();
                        LogGroupFailed(_logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the connections are closing too.
        }
    }

    private async Task SendPacedAsync(PushBatch batch, CancellationToken stoppingToken)
    {
        _recipients.Clear();
        foreach (var session in _sessions.All)
        {
            if (session.State == SessionState.InWorld)
            {
                _recipients.Add(session);
            }
        }

        var slice = Math.Max(_options.BroadcastMinSlice, (_recipients.Count + _options.BroadcastSlices - 1) / _options.BroadcastSlices);
        for (var start = 0; start < _recipients.Count; start += slice)
        {
            if (start > 0)
            {
                await Task.Delay(_options.BroadcastSliceInterval, stoppingToken).ConfigureAwait(false);
            }

            var end = Math.Min(start + slice, _recipients.Count);
            for (var i = start; i < end; i++)
            {
                SendGroup(_recipients[i], batch);
            }
        }

        _recipients.Clear();
    }

    /// <summary>The batch's broadcast frames to one connection, together, so its writer wakes once for them.</summary>
    private static void SendGroup(ClientSession session, PushBatch batch)
    {
        // Checked again at its slice: a player who left the world since the group began does not get it.
        if (session.State != SessionState.InWorld)
        {
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.ConnectionIds[i] != PushBatch.Everyone)
            {
                continue;
            }

            var opcode = batch.Opcodes[i];
            var payload = batch.PayloadOf(i);
            if (DroppablePushes.Includes(opcode, payload))
            {
                session.SendDroppablePush(opcode, payload);
            }
            else
            {
                session.SendPush(opcode, payload);
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.BroadcastGroupFailed, Level = LogLevel.Error, Message = "A broadcast group failed part way; the next ones go on")]
    private static partial void LogGroupFailed(ILogger logger, Exception exception);
}
