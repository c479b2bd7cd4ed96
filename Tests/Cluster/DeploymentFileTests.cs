using System.Text.RegularExpressions;
using System.Xml.Linq;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Cluster;

/// <summary>
/// The container files, checked without a container engine: what docker would reject or get wrong
/// (a stage, a user, a path, an entry point, a port published to the world) fails here first.
/// </summary>
[Trait("Category", "Tools")]
public partial class DeploymentFileTests
{
    private static readonly string Root = Repository.Root;

    /// <summary>Compose requires these to be set; any value validates.</summary>
    private static readonly Dictionary<string, string> ComposeVariables = new()
    {
        ["MMO_POSTGRES_PASSWORD"] = "validation-only",
        ["MMO_ADMIN_KEY"] = "validation-only",
        ["MMO_TICKET_SIGNING_KEY"] = Convert.ToBase64String(new byte[32]),
    };

    public static TheoryData<string, string> Images => new()
    {
        { "Silo/Dockerfile", "Silo/OrleansMmo.Silo.csproj" },
        { "Gateway/Dockerfile", "Gateway/OrleansMmo.Gateway.csproj" },
    };

    [Fact]
    [Trait("Needs", "DockerCompose")]
    public async Task TheComposeFileIsValid()
    {
        var (status, output) = await RunAsync("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], ComposeVariables);
        Assert.True(status == 0, $"docker-compose config -q failed ({status}):\n{output}");
    }

    [Fact]
    [Trait("Needs", "DockerCompose")]
    public async Task TheComposeFileRequiresItsSecrets()
    {
        var (status, output) = await RunAsync("docker-compose", ["-f", "docker-compose.yml", "config", "-q"], new Dictionary<string, string>());
        Assert.NotEqual(0, status);
        Assert.Contains("MMO_POSTGRES_PASSWORD", output);
    }

    [Fact]
    [Trait("Needs", "DockerCompose")]
    public async Task TheComposeFileHasTheWholeTopologyWithHealthChecks()
    {
        var (status, config) = await RunAsync("docker-compose", ["-f", "docker-compose.yml", "config"], ComposeVariables);
        Assert.True(status == 0, config);
        var services = ServiceBlocks(config);
        Assert.Equal(["gateway1", "gateway2", "haproxy", "postgres", "redis", "silo1", "silo2"], services.Keys.Order());
        Assert.All(services, s => Assert.Contains("\n    healthcheck:", s.Value));
        Assert.Contains("dockerfile: Silo/Dockerfile", services["silo2"]);
        Assert.Contains("dockerfile: Gateway/Dockerfile", services["gateway2"]);
        Assert.Contains("haproxy.cfg", services["haproxy"]);
    }

    [Fact]
    [Trait("Needs", "DockerCompose")]
    public async Task EverySiloAndGatewayTalksMutualTlsWithItsOwnCertificate()
    {
        var (status, config) = await RunAsync("docker-compose", ["-f", "docker-compose.yml", "config"], ComposeVariables);
        Assert.True(status == 0, config);
        var services = ServiceBlocks(config);
        foreach (var name in new[] { "silo1", "silo2", "gateway1", "gateway2" })
        {
            var service = services[name];
            Assert.Contains($"Cluster__Tls__CertificatePath: /certs/cluster/{name}.crt", service, StringComparison.Ordinal);
            Assert.Contains($"Cluster__Tls__KeyPath: /certs/cluster/{name}.key", service, StringComparison.Ordinal);
            Assert.Contains("Cluster__Tls__CaCertificatePath: /certs/cluster/ca.crt", service, StringComparison.Ordinal);
            // Mounted from the host's certs/ (read only), never baked into the image.
            Assert.Matches(@"- \S*/certs(/cluster)?:/certs(/cluster)?:ro", service);
        }
    }

    [Fact]
    public void AdminPortsArePublishedOnlyOnLoopback()
    {
        // "host:container" or "ip:host:container" entries under ports:, as written in the file.
        var published = PortEntry().Matches(File.ReadAllText(Path.Combine(Root, "docker-compose.yml")))
            .Select(m => m.Groups["entry"].Value).ToList();
        Assert.NotEmpty(published);
        int[] adminPorts = [8080, 7080, 8404];
        foreach (var entry in published)
        {
            var parts = entry.Split(':');
            var container = int.Parse(parts[^1].Split('/')[0]);
            if (adminPorts.Contains(container))
            {
                Assert.True(parts.Length == 3 && parts[0] == "127.0.0.1", $"admin port published beyond loopback: {entry}");
            }
            else
            {
                // The game over TCP, and over WebSocket with the browser client.
                Assert.True(container is 7000 or 7002, $"unexpected public port: {entry}");
            }
        }
    }

    [Fact]
    [Trait("Needs", "Haproxy")]
    public async Task TheHaproxyConfigurationIsValid()
    {
        var variables = new Dictionary<string, string>
        {
            ["MMO_LB_BIND"] = "127.0.0.1:7000",
            ["MMO_LB_STATS_BIND"] = "127.0.0.1:8404",
            ["MMO_GW1_ADDR"] = "127.0.0.1:7001",
            ["MMO_GW1_ADMIN_PORT"] = "7081",
            ["MMO_GW2_ADDR"] = "127.0.0.1:7002",
            ["MMO_GW2_ADMIN_PORT"] = "7082",
            ["MMO_LB_WS_BIND"] = "127.0.0.1:7002",
            ["MMO_GW1_WS_ADDR"] = "127.0.0.1:7012",
            ["MMO_GW2_WS_ADDR"] = "127.0.0.1:7013",
            ["MMO_LB_SOURCE_ADDR"] = "127.0.0.2",
            ["MMO_LB_MAX_CONN_PER_SOURCE"] = "64",
            ["MMO_LB_NEW_CONN_PER_SOURCE"] = "20",
        };
        var (status, output) = await RunAsync("haproxy", ["-c", "-f", "deploy/haproxy/haproxy.cfg"], variables);
        Assert.True(status == 0, $"haproxy -c failed ({status}):\n{output}");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void TheDockerfileBuildsInStagesOnDotNet10Images(string dockerfile, string project)
    {
        var lines = Instructions(dockerfile);
        var stages = lines.Where(l => l.Keyword == "FROM").Select(l => l.Arguments).ToList();
        Assert.Equal(2, stages.Count);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", stages[0]);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0( AS \w+)?$", stages[1]);
        // The images' .NET matches the projects' target framework.
        Assert.Contains("<TargetFramework>net10.0</TargetFramework>", File.ReadAllText(Path.Combine(Root, "Directory.Build.props")));
        Assert.Contains(lines, l => l.Keyword == "RUN" && l.Arguments.Contains($"dotnet publish {project}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Keyword == "COPY" && l.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void TheImageRunsAsANonRootUser(string dockerfile, string project)
    {
        _ = project;
        var lines = Instructions(dockerfile);
        var finalStage = lines.Skip(lines.FindLastIndex(l => l.Keyword == "FROM")).ToList();
        var user = Assert.Single(finalStage, l => l.Keyword == "USER").Arguments;
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
        // The entry point runs after the user switch.
        Assert.True(finalStage.FindIndex(l => l.Keyword == "USER") < finalStage.FindIndex(l => l.Keyword == "ENTRYPOINT"));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void EveryCopiedPathExistsAndEveryReferencedProjectIsCopied(string dockerfile, string project)
    {
        var copied = new List<string>();
        foreach (var copy in Instructions(dockerfile).Where(l => l.Keyword == "COPY" && !l.Arguments.StartsWith("--from", StringComparison.Ordinal)))
        {
            var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[..^1])
            {
                Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"{dockerfile}: COPY {source} does not exist");
                copied.Add(source.TrimEnd('/'));
            }
        }

        // dotnet restore needs every project the published one references, directly or not, and the
        // publish needs every file a project includes from outside its folder (the game data).
        foreach (var needed in ProjectClosure(project))
        {
            Assert.Contains(needed, copied);
            var directory = Path.GetDirectoryName(needed)!;
            Assert.Contains(directory, copied);
            foreach (var item in XDocument.Load(Path.Combine(Root, needed)).Descendants().Where(e => e.Name.LocalName is "Content" or "None" or "EmbeddedResource"))
            {
                var include = item.Attribute("Include")?.Value.Replace('\\', '/');
                if (include is not null && include.StartsWith("../", StringComparison.Ordinal))
                {
                    var outside = Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, directory, include))).Replace('\\', '/');
                    Assert.Contains(copied, c => outside.StartsWith(c + "/", StringComparison.Ordinal));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void TheEntryPointRunsTheProjectsAssembly(string dockerfile, string project)
    {
        var entry = Assert.Single(Instructions(dockerfile), l => l.Keyword == "ENTRYPOINT").Arguments;
        var assembly = XDocument.Load(Path.Combine(Root, project)).Descendants("AssemblyName").FirstOrDefault()?.Value
            ?? Path.GetFileNameWithoutExtension(project);
        Assert.Equal($"[\"dotnet\", \"{assembly}.dll\"]", entry);
    }

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Load(Path.Combine(Root, current)).Descendants("ProjectReference"))
            {
                var path = Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, directory, reference.Attribute("Include")!.Value)));
                pending.Push(path.Replace('\\', '/'));
            }
        }

        return seen;
    }

    /// <summary>Dockerfile instructions with continuation lines joined and comments dropped.</summary>
    private static List<(string Keyword, string Arguments)> Instructions(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(Root, dockerfile)).Replace("\\\n", " ", StringComparison.Ordinal);
        return text.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l =>
            {
                var space = l.IndexOf(' ', StringComparison.Ordinal);
                return (l[..space].ToUpperInvariant(), Regex.Replace(l[(space + 1)..].Trim(), @"\s+", " "));
            })
            .ToList();
    }

    /// <summary>Service name to its block of normalised `docker-compose config` output.</summary>
    private static Dictionary<string, string> ServiceBlocks(string config)
    {
        var blocks = new Dictionary<string, string>();
        var inServices = false;
        string? current = null;
        foreach (var line in config.Split('\n'))
        {
            if (!line.StartsWith(' '))
            {
                inServices = line == "services:";
                current = null;
                continue;
            }

            if (inServices && line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("   ", StringComparison.Ordinal))
            {
                current = line.Trim().TrimEnd(':');
                blocks[current] = "";
            }
            else if (current is not null)
            {
                blocks[current] += "\n" + line;
            }
        }

        return blocks;
    }

    /// <summary>Runs a checker with exactly the compose variables given (none inherited from the environment).</summary>
    private static async Task<(int Status, string Output)> RunAsync(string program, string[] arguments, Dictionary<string, string> variables)
    {
        var environment = ComposeVariables.Keys.ToDictionary(name => name, string? (_) => null);
        foreach (var (name, value) in variables)
        {
            environment[name] = value;
        }

        var run = await ProgramRun.RunAsync(program, arguments, TimeSpan.FromMinutes(1), environment: environment);
        return (run.ExitCode, run.Output + run.Errors);
    }

    [GeneratedRegex(@"^\s+-\s+""(?<entry>[0-9.:/a-z]+)""\s*$", RegexOptions.Multiline)]
    private static partial Regex PortEntry();
}
