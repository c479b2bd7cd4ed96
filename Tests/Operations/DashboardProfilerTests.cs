namespace OrleansMmo.Tests.Operations;

/// <summary>The dashboard's grain call profiler: a filter around every grain call, left out with <c>Admin:DashboardProfilesGrainCalls=false</c>.</summary>
[Trait("Category", "Unit")]
public class DashboardProfilerTests
{
    [Theory]
    [InlineData(null, new[] { "GrainProfilerFilter" })]
    [InlineData("true", new[] { "GrainProfilerFilter" })]
    [InlineData("false", new string[0])]
    public async Task TheSiloWrapsGrainCallsInTheDashboardsProfilerOnlyWhenAskedTo(string? setting, string[] expected)
    {
        string[] args = setting is null ? ["--Admin:Port=0"] : ["--Admin:Port=0", "--Admin:DashboardProfilesGrainCalls=" + setting];
        string?[] filters = [];
        // The silo's registrations as built (not resolved: the filter needs the running silo's services).
        await using var silo = OrleansMmo.Silo.Program.BuildApp(args, builder => filters =
            [.. builder.Services.Where(d => d.ServiceType == typeof(IIncomingGrainCallFilter)).Select(d => d.ImplementationType?.Name)]);

        Assert.Equal(expected, filters);
    }
}
