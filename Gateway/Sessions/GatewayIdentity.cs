using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>This gateway process as the cluster sees it: its id, and its observer reference through which grains reach its connections.</summary>
public sealed class GatewayIdentity(IOptions<GatewayOptions> options)
{
    private IGatewayObserver? _observer;

    public string GatewayId { get; } = string.IsNullOrWhiteSpace(options.Value.GatewayId)
        ? $"gw-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}"
        : options.Value.GatewayId;

    /// <summary>This process: new at every start, so records can tell a restarted gateway from the one that died.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    public IGatewayObserver Observer => _observer ?? throw new InvalidOperationException("The gateway observer is not registered yet.");

    public void SetObserver(IGatewayObserver reference) => _observer = reference;
}
