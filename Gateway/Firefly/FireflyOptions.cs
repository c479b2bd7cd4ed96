using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Gateway.Firefly;

/// <summary>
/// The Firefly door: a listener speaking the packet format of the Firefly clients in the design's source
/// documents, mapped onto the ordinary session layer. Section <c>Gateway:Firefly</c>; off unless
/// <see cref="Port"/> is set. docs/firefly.md has the commands.
/// </summary>
public sealed class FireflyOptions
{
    public const string Section = "Gateway:Firefly";

    /// <summary>The door's TCP port, on <c>Gateway:ListenAddress</c>. Unset: no door. 0 picks a free one (tests).</summary>
    [Range(0, 65535)] public int? Port { get; set; }

    /// <summary>The four bytes every packet starts with (Firefly's HEAD_0..HEAD_3).</summary>
    [Required] public string Tag { get; set; } = "N%&0";

    /// <summary>The fifth byte (Firefly's protoVersion): 9 in the documents' client.</summary>
    [Range(0, 255)] public int Version { get; set; } = 9;

    /// <summary>The first 32-bit field (Firefly's serverVersion): 0 in the documents' client.</summary>
    [Range(0, uint.MaxValue)] public long ServerVersion { get; set; }

    /// <summary>Largest JSON body accepted; a bigger one closes the connection.</summary>
    [Range(16, 16 * 1024 * 1024)] public int MaxBodyBytes { get; set; } = 64 * 1024;

    internal FireflyFormat Format => new(Encoding.ASCII.GetBytes(Tag), (byte)Version, (uint)ServerVersion, MaxBodyBytes);
}

public sealed class FireflyOptionsValidator : IValidateOptions<FireflyOptions>
{
    public ValidateOptionsResult Validate(string? name, FireflyOptions options) =>
        options.Tag.Length == 4 && options.Tag.All(char.IsAscii)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{FireflyOptions.Section}:Tag must be 4 ASCII characters");
}

[OptionsValidator]
public sealed partial class FireflyOptionsAttributeValidator : IValidateOptions<FireflyOptions>;
