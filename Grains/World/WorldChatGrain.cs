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
[StatelessWorker, GrainType("worldchat")]
public sealed class WorldChatGrain(IOptions<WorldOptions> options, WorldMetrics metrics, ILogger<WorldChatGrain> logger) : Grain, IWorldChatGrain
{
    /// <summary>The registry is asked at most this often per activation; a gateway that joined since misses at most this much chat.</summary>
    private static readonly TimeSpan GatewayListAge = TimeSpan.FromSeconds(1);

    private readonly GatewayFanout _fanout = new(options.Value, metrics, logger);
    private ImmutableArray<GatewayRegistration> _gateways = [];
    private DateTime _gatewaysAt = DateTime.MinValue;

    public async Task Broadcast(ChatLine line)
    {
        if (DateTime.UtcNow - _gatewaysAt > GatewayListAge)
        {
            _gateways = await GrainFactory.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive();
            _gatewaysAt = DateTime.UtcNow;
        }

        var payload = ChatPayload.Encode(line);
        foreach (var gateway in _gateways)
        {
            _fanout.To(gateway.GatewayId, gateway.Observer).WriteBroadcast((ushort)Opcode.ChatMessage, payload);
        }

        // Awaited, so a line is on every gateway's sockets before the sender hears it went out:
        // the sender's next line cannot overtake it. A gateway that failed is logged by the fan-out;
        // the others still got the line.
        await _fanout.SendAsync(line.Channel == ChatChannel.System ? "announcement" : "world", 0);
    }
}
