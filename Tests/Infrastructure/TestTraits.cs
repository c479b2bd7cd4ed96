namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// The two traits of the suite (CONTRIBUTING.md has the table). Every test class carries exactly one
/// <c>[Trait("Category", …)]</c>: what kind of test it is, so a filter picks a loop
/// (<c>dotnet test --filter Category=Unit</c>). A class or a method carries one <c>[Trait("Needs", …)]</c>
/// per server or program it needs that a machine with only the .NET SDK lacks; <see cref="NeedsTestFramework"/>
/// skips it, naming <c>./test.sh</c>, where that need is not met. <c>./test.sh</c> meets them all and
/// fails if any test was skipped.
/// </summary>
public static class TestTraits
{
    public const string Category = "Category";
    public const string Needs = "Needs";

    /// <summary>Debian's chromium, which Playwright drives (no browser download).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>The categories, fastest first.</summary>
    public static readonly IReadOnlyList<string> Categories = ["Unit", "Cluster", "Storage", "Tools", "Native"];

    /// <summary>Every value of <c>Needs</c>, with the check that tells whether this machine meets it.</summary>
    public static readonly IReadOnlyDictionary<string, Func<string?>> NeedChecks = new Dictionary<string, Func<string?>>
    {
        ["Postgres"] = () => Variable(TestServers.PostgresVariable, "PostgreSQL", "starts a private PostgreSQL and sets it"),
        ["PostgresControl"] = () => Variable(TestServers.PostgresControlVariable, "a PostgreSQL server it may stop and start", "writes that script for its private PostgreSQL"),
        ["Redis"] = () => Variable(TestServers.RedisVariable, "Redis", "starts a private Redis and sets it"),
        ["NativeCluster"] = () => Variable(TestServers.ClusterDirectoryVariable, "the native cluster (redis-server, postgresql, haproxy)", "installs them and sets it"),
        ["DockerCompose"] = () => Program("docker-compose"),
        ["Haproxy"] = () => Program("haproxy"),
        ["Node"] = () => Program("node") ?? TypeScriptPackageBuilt(),
        ["Chromium"] = () => File.Exists(ChromiumPath) ? null : $"needs Chromium at {ChromiumPath}, which is not installed; run ./test.sh, which installs it",
    };

    /// <summary>Why a test with these needs cannot run on this machine: one reason per unmet need, none when all are met.</summary>
    public static IReadOnlyList<string> UnmetNeeds(IEnumerable<string> needs) =>
        needs.Distinct().Select(need => NeedChecks.TryGetValue(need, out var check)
            ? check()
            : $"needs \"{need}\", which is not a known need (Tests/Infrastructure/TestTraits.cs lists them)").OfType<string>().ToList();

    private static string? Variable(string variable, string what, string testShDoes) =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable))
            ? $"needs {what}: {variable} is not set; run ./test.sh, which {testShDoes}"
            : null;

    /// <summary>The TypeScript SDK's packages installed and its build made (both by ./test.sh), which its tests run.</summary>
    private static string? TypeScriptPackageBuilt() =>
        Directory.Exists(Path.Combine(Repository.TypeScriptPackage, "node_modules")) && File.Exists(Path.Combine(Repository.TypeScriptPackage, "dist", "index.js"))
            ? null
            : $"needs the TypeScript SDK built in {Repository.TypeScriptPackage} (npm ci, npm run build); run ./test.sh, which builds it";

    private static string? Program(string name)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, name)));
        return found ? null : $"needs {name}, which is not installed; run ./test.sh, which installs it";
    }
}
