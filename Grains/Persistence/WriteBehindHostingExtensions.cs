using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansMmo.Grains.Persistence;

public static class WriteBehindHostingExtensions
{
    /// <summary>
    /// Slack above <see cref="WriteBehindOptions.FlushTimeout"/> for the rest of a deactivation, and
    /// for the rest of a silo's shutdown (leaving the cluster, closing gateways).
    /// </summary>
    private static readonly TimeSpan _deactivationSlack = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan _shutdownSlack = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <c>[WriteBehindState]</c> grain state, options from section <c>WriteBehind</c>, metrics on the
    /// meter <see cref="WriteBehindMetrics.MeterName"/>. Raises Orleans' deactivation timeout and the
    /// host's shutdown timeout above <see cref="WriteBehindOptions.FlushTimeout"/>, so a graceful
    /// shutdown waits for dirty state to be written rather than cutting it off.
    /// </summary>
    public static ISiloBuilder AddMmoWriteBehind(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<WriteBehindOptions>()
            .Bind(configuration.GetSection(WriteBehindOptions.Section))
            .Validate(o => o.RetryMaxDelay >= o.RetryInitialDelay, "WriteBehind:RetryMaxDelay must be at least WriteBehind:RetryInitialDelay")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WriteBehindOptions>, WriteBehindOptionsValidator>());
        services.TryAddSingleton(sp => new WriteBehindMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<WriteBehindRuntime>();
        services.TryAddSingleton<IAttributeToFactoryMapper<WriteBehindStateAttribute>, WriteBehindStateAttributeMapper>();

        services.AddOptions<GrainCollectionOptions>().PostConfigure<IOptions<WriteBehindOptions>>((orleans, writeBehind) =>
            orleans.DeactivationTimeout = Max(orleans.DeactivationTimeout, writeBehind.Value.FlushTimeout + _deactivationSlack));
        services.AddOptions<HostOptions>().PostConfigure<IOptions<WriteBehindOptions>>((host, writeBehind) =>
            host.ShutdownTimeout = Max(host.ShutdownTimeout, writeBehind.Value.FlushTimeout + _shutdownSlack));
        return silo;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
