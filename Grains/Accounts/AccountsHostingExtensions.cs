using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Security;

namespace OrleansMmo.Grains.Accounts;

public static class AccountsHostingExtensions
{
    /// <summary>Account rules, bounded password hashing and ticket signing, bound from configuration and validated at start.</summary>
    public static ISiloBuilder AddMmoAccounts(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<AccountOptions>().Bind(configuration.GetSection(AccountOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccountOptions>, AccountOptionsValidator>();
        services.AddOptions<PasswordHashingOptions>().Bind(configuration.GetSection(PasswordHashingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordHashingOptions>, PasswordHashingOptionsValidator>();
        services.AddOptions<TicketOptions>().Bind(configuration.GetSection(TicketOptions.Section))
            .Validate(o => o.Lifetime > TimeSpan.Zero, "Tickets:Lifetime must be positive")
            .Validate(o => string.IsNullOrWhiteSpace(o.SigningKey) || SessionTicketToken.IsStrongSigningKey(o.SigningKey), "Tickets:SigningKey must be base64 of at least 32 bytes")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TicketSigner>();
        services.TryAddSingleton<GrainRefs>();
        // Names claimed before confusable skeletons are copied to skeleton keys as the silo starts (needs the
        // grain storage's ILegacyCharacterNames; docs/persistence.md).
        services.AddSingleton<CharacterNameMigrationStatus>();
        silo.AddStartupTask<CharacterNameMigrationStartup>();
        return silo;
    }
}
