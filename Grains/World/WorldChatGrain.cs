using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Protocol;

namespace OrleansMmo.Grains.World;

/// <summary>
/// World chat and announcements: the line is encoded once and sent through the gateway fan-out as
/// one broadcast frame to each live gateway (from the gateway registry), which pushes it to each of
/// its in-world connections. A player is connected to one gateway, so each online player gets it
/// exactly once.
/// </summary>
/// <remarks>
/// Lines said together go out together (<see cref="WorldOptions.WorldChatBatchWindow"/>): the first line of a
/// group waits the window, the ones said meanwhile join it, and the group is one delivery per gateway. A burst
/// of lines then costs each gateway one call, and each client one write, instead of one per line. Reentrant so
/// that lines join while a group waits or is being delivered; every call runs on the activation's one thread,
/// so the pending group needs no lock.
/// </remarks>
[StatelessWorker, Reentrant, GrainType("worldchat")]
public sealed class WorldChatGrain(IOptions<WorldOptions> options, WorldMetrics metrics, ILogger<WorldChatGrain> logger) : Grain, IWorldChatGrain
{
    /// <summary>The registry is asked at most this often per activation; a gateway that joined since misses at most this much chat.</summary>
    private static readonly TimeSpan GatewayListAge = TimeSpan.FromSeconds(1);

    private readonly GatewayFanout _fanout = new(options.Value, metrics, logger);
    private readonly TimeSpan _window = options.Value.WorldChatBatchWindow;
    private ImmutableArray<GatewayRegistration> _gateways = [];
    private DateTime _gatewaysAt = DateTime.MinValue;
    private Task? _refreshing;
    // The group being gathered: completes once its lines are delivered (or failed: the fan-out logs and counts).
    private TaskCompletionSource? _gathering;
    private Task? _flushing;

    public async Task Broadcast(ChatLine line)
    {
        if (DateTime.UtcNow - _gatewaysAt > GatewayListAge)
        {
            // One refresh at a time: lines arriving meanwhile wait for the same answer.
            var refreshing = _refreshing ??= RefreshGatewaysAsync();
            try
            {
                await refreshing;
            }
            finally
            {
                if (_refreshing == refreshing)
                {
                    _refreshing = null;
                }
            }
        }

        var payload = ChatPayload.Encode(line);
        foreach (var gateway in _gateways)
        {
            _fanout.To(gateway.GatewayId, gateway.Observer).WriteBroadcast((ushort)Opcode.ChatMessage, payload);
        }

        var group = _gathering ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_flushing is not { IsCompleted: false })
        {
            _flushing = FlushAsync();
        }

        // Awaited, so a line is on every gateway's sockets before the sender hears it went out:
        // the sender's next line cannot overtake it. A gateway that failed is logged by the fan-out;
        // the others still got the line.
        await group.Task;
    }

    private async Task RefreshGatewaysAsync()
    {
        _gateways = await GrainFactory.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive();
        _gatewaysAt = DateTime.UtcNow;
    }

    /// <summary>
    /// Delivers groups until none is gathering; lines said during a delivery form the next group. Ends in the same
    /// turn as it finds nothing gathering, so a line said after that starts a new flush (see Broadcast).
    /// </summary>
    private async Task FlushAsync()
    {
        while (_gathering is { } group)
        {
            if (_window > TimeSpan.Zero)
            {
                await Task.Delay(_window);
            }

            // No await between taking the group and sending it: no line can be written in between and left behind.
            _gathering = null;
            try
            {
                // Never faults (the fan-out handles failed gateways itself); guarded all the same, so no sender waits forever.
                await _fanout.SendAsync("world", 0);
                group.SetResult();
            }
            catch (Exception ex)
            {
                group.SetException(ex);
            }
        }
    }
}
