using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Hosting;

/// <summary>
/// How silos and gateways find each other. Section <c>Cluster</c>. Shared by both processes so they cannot
/// disagree on ids or ports. With <c>ConnectionStrings:Redis</c> set, membership lives in Redis; otherwise
/// everything runs on localhost. (Orleans' own <c>ClusterOptions</c> is filled from this.)
/// </summary>
public sealed class MmoClusterOptions
{
    public const string Section = "Cluster";
    public const string RedisConnectionStringName = "Redis";

    [Required] public string ClusterId { get; set; } = "orleansmmo";
    [Required] public string ServiceId { get; set; } = "orleansmmo";
    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)] public int SiloPort { get; set; } = 11111;
    /// <summary>Port on which silos accept Orleans clients (the gateways).</summary>
    [Range(1, 65535)] public int GatewayPort { get; set; } = 30000;
    /// <summary>Address (IP or host name) other silos and gateways use to reach this silo; loopback when empty.</summary>
    public string? AdvertisedAddress { get; set; }
}

[OptionsValidator]
public sealed partial class MmoClusterOptionsValidator : IValidateOptions<MmoClusterOptions>;

public static class ClusterOptionsExtensions
{
    /// <summary>
    /// Binds and validates section <c>Cluster</c> now, because clustering is configured before the host is
    /// built; a bad value stops the process at start like every other option. The options are also
    /// registered for injection.
    /// </summary>
    public static MmoClusterOptions AddMmoClusterOptions(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(MmoClusterOptions.Section);
        var options = section.Get<MmoClusterOptions>() ?? new MmoClusterOptions();
        var validation = new MmoClusterOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(MmoClusterOptions), validation.Failures);
        }

        services.AddOptions<MmoClusterOptions>().Bind(section);
        return options;
    }
}
