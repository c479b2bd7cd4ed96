using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Operations;

/// <summary>
/// The oldest client build each platform may still connect with, and where to get a newer one. Section
/// <c>Gateway:ClientBuilds</c>: <c>MinimumBuild:windows=120</c>, <c>UpdateUrl:windows=https://...</c>; the
/// platform <c>*</c> applies to platforms not listed. A platform with no minimum is not checked.
/// </summary>
public sealed class ClientBuildOptions
{
    public const string Section = "Gateway:ClientBuilds";
    public const string AnyPlatform = "*";

    public Dictionary<string, int> MinimumBuild { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, string> UpdateUrl { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where the client of <paramref name="platform"/> at <paramref name="build"/> must go to update; null when it may connect.</summary>
    public string? UpdateNeeded(string platform, int build)
    {
        var minimum = MinimumBuild.TryGetValue(platform, out var forPlatform) ? forPlatform
            : MinimumBuild.TryGetValue(AnyPlatform, out var forAny) ? forAny
            : 0;
        if (build >= minimum)
        {
            return null;
        }

        return UpdateUrl.TryGetValue(platform, out var url) ? url
            : UpdateUrl.TryGetValue(AnyPlatform, out var any) ? any
            : "";
    }
}

public sealed class ClientBuildOptionsValidator : IValidateOptions<ClientBuildOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientBuildOptions options)
    {
        var errors = options.MinimumBuild.Where(kv => kv.Value < 0).Select(kv => $"{ClientBuildOptions.Section}:MinimumBuild:{kv.Key} must not be negative")
            .Concat(options.UpdateUrl.Where(kv => !Uri.TryCreate(kv.Value, UriKind.Absolute, out _)).Select(kv => $"{ClientBuildOptions.Section}:UpdateUrl:{kv.Key} must be an absolute URL"))
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
