using System.Diagnostics;
using System.Text.RegularExpressions;
using OrleansMmo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansMmo.WebTests;

/// <summary>The TypeScript SDK's own tests (node --test), run against this suite's gateway.</summary>
[Collection(WebClusterCollection.Name)]
[Trait("Category", "Tools")]
[Trait("Needs", "Node")]
public partial class TypeScriptSdkTests(GameCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task TheNodeTestsPassAgainstARealGateway()
    {
        var run = await NodeAsync(["--test", "--test-reporter=tap", "test/"], cluster.WebSocketUri().ToString());
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, run.Output);
        var passed = int.Parse(PassLine().Match(run.Output).Groups[1].Value);
        // Frame codec (3) and the gateway tests (6), none skipped for want of a gateway.
        Assert.True(passed >= 9, $"only {passed} node tests passed:\n{run.Output}");
        Assert.Matches(FailLine(), run.Output);
        Assert.DoesNotMatch(SkipLine(), run.Output);
    }

    [Fact]
    public async Task TheBrowserClientTheGatewayServesIsBuiltFromTheSources()
    {
        var run = await NodeAsync(["scripts/bundle.mjs", "--check"], null);
        Assert.True(run.ExitCode == 0, run.Output);
    }

    private static async Task<(int ExitCode, string Output)> NodeAsync(string[] arguments, string? webSocketUrl)
    {
        var package = Repository.TypeScriptPackage;
        if (!File.Exists(Path.Combine(package, "dist", "index.js")))
        {
            throw new InvalidOperationException($"{package} is not built: ./test.sh runs npm ci and npm run build there");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = package, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (webSocketUrl is not null)
        {
            start.Environment["MMO_WS_URL"] = webSocketUrl;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^# pass (\d+)$", RegexOptions.Multiline)]
    private static partial Regex PassLine();

    [GeneratedRegex(@"^# fail 0$", RegexOptions.Multiline)]
    private static partial Regex FailLine();

    [GeneratedRegex(@"^# skipped [1-9]", RegexOptions.Multiline)]
    private static partial Regex SkipLine();
}
