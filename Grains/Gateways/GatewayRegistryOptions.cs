using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Gateways;

/// <summary>The gateway registry on the silos. Section <c>GatewayRegistry</c>.</summary>
public sealed class GatewayRegistryOptions
{
    public const string Section = "GatewayRegistry";

    /// <summary>
    /// A gateway not heard from for this long drops out. Three of the gateways' default 2 s
    /// heartbeats: one late or lost heartbeat is tolerated, a dead gateway is gone within 6 s.
    /// Keep it at least twice <c>Gateway:RegistryHeartbeatInterval</c>.
    /// </summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// How often the registry writes which gateways are alive and closes the session records of dead
    /// ones. A dead gateway's sessions end at its last heartbeat, whenever the sweep runs.
    /// </summary>
    public TimeSpan SessionSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Entries kept at most: bounds the registry's memory if ids were minted in a loop.</summary>
    [Range(1, 100_000)] public int MaxGateways { get; set; } = 1024;
}

[OptionsValidator]
public sealed partial class GatewayRegistryOptionsValidator : IValidateOptions<GatewayRegistryOptions>;

public static class GatewayRegistryHostingExtensions
{
    public static ISiloBuilder AddMmoGatewayRegistry(this ISiloBuilder silo, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        silo.Services.AddOptions<GatewayRegistryOptions>()
            .Bind(configuration.GetSection(GatewayRegistryOptions.Section))
            .Validate(o => o.Expiry > TimeSpan.Zero, "GatewayRegistry:Expiry must be positive")
            .Validate(o => o.SessionSweepInterval > TimeSpan.Zero, "GatewayRegistry:SessionSweepInterval must be positive")
            .ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<GatewayRegistryOptions>, GatewayRegistryOptionsValidator>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<LiveGateways>();
        return silo;
    }
}
