using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.GameData;

namespace OrleansMmo.Grains.World;

public static class WorldHostingExtensions
{
    /// <summary>
    /// Player and zone grains: world options, metrics, and the game data, which is loaded and
    /// checked here, while the silo is being built, so bad data stops the silo before it joins
    /// the cluster, with an error naming the file and the field.
    /// </summary>
    public static ISiloBuilder AddMmoWorld(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        var section = configuration.GetSection(WorldOptions.Section);
        services.AddOptions<WorldOptions>().Bind(section)
            .Validate(o => o.QueueUpdateInterval > TimeSpan.Zero && o.QueueReconnectGrace > TimeSpan.Zero && o.QueueTurnGrace > TimeSpan.Zero,
                "World:QueueUpdateInterval, QueueReconnectGrace and QueueTurnGrace must be positive")
            .Validate(o => o.ZoneProbeInterval > TimeSpan.Zero && o.ProbeTimeout > TimeSpan.Zero && o.ReconcileInterval > TimeSpan.Zero,
                "World:ZoneProbeInterval, ProbeTimeout and ReconcileInterval must be positive")
            .Validate(o => o.GameDataPollInterval > TimeSpan.Zero && o.GameDataReloadTimeout > TimeSpan.Zero,
                "World:GameDataPollInterval and GameDataReloadTimeout must be positive")
            .Validate(o => o.CreatureViewPlaces < o.MaxVisibleEntities,
                "World:CreatureViewPlaces must be below World:MaxVisibleEntities (players need at least one place)")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorldOptions>, WorldOptionsValidator>();

        var options = section.Get<WorldOptions>() ?? new WorldOptions();
        services.AddSingleton(GameDataLoader.Load(options.GameDataDirectory()));
        // Live reloads of the game data, applied on every silo.
        services.AddHostedService<GameDataWatcher>();
        // A scheduled cluster shutdown stops this silo when its time comes.
        services.AddHostedService<Operations.ShutdownWatcher>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<WorldMetrics>();
        services.TryAddSingleton<GrainRefs>();
        return silo;
    }
}
