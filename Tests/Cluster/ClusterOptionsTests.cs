using Microsoft.Extensions.Options;

namespace OrleansMmo.Tests.Cluster;

/// <summary>Section <c>Cluster</c> is validated when a silo or gateway is built, like every other option.</summary>
[Trait("Category", "Unit")]
public sealed class ClusterOptionsTests
{
    [Fact]
    public void ASiloWithAnImpossiblePortDoesNotStart()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => OrleansMmo.Silo.Program.BuildApp(["--Cluster:SiloPort=70000"]));

        Assert.Contains("SiloPort", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGatewayWithoutAClusterIdDoesNotStart()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => OrleansMmo.Gateway.Program.BuildApp(["--Cluster:ClusterId="]));

        Assert.Contains("ClusterId", failure.Message, StringComparison.Ordinal);
    }
}
