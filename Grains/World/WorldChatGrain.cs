using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Protocol;

namespace OrleansMmo.Grains.World;

/// <summary>
/// World chat and announcements: the line is encoded once and sent in one call to each live
/// gateway (from the gateway registry), which pushes it to each of its in-world connections. A
/// player is connected to one gateway, so each online player gets it exactly once.
/// </summary>
[StatelessWorker, GrainType("worldchat")]
public sealed partial class WorldChatGrain(IOptions<WorldOptions> options, ILogger<WorldChatGrain> logger) : Grain, IWorldChatGrain
{
    /// <summary>The registry is asked at most this often per activation; a gateway that joined since misses at most this much chat.</summary>
    private static readonly TimeSpan GatewayListAge = TimeSpan.FromSeconds(1);

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
        // Awaited, so a line is on every gateway's sockets before the sender hears it went out:
        // the sender's next line cannot overtake it.
        await Task.WhenAll(_gateways.Select(g => SendAsync(g, payload)));
    }

    private async Task SendAsync(GatewayRegistration gateway, byte[] payload)
    {
        try
        {
            await gateway.Observer.Broadcast((ushort)Opcode.ChatMessage, payload).WaitAsync(options.Value.DeliveryTimeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBroadcastFailed(logger, gateway.GatewayId, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = LogEvents.WorldChatBroadcastFailed, Level = LogLevel.Warning, Message = "World chat to gateway {GatewayId} failed: {Error}")]
    private static partial void LogBroadcastFailed(ILogger logger, string gatewayId, string error);
}
