namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// Where the repository and the other projects' build outputs are, seen from this test build
/// (<c>Tests/bin/&lt;configuration&gt;/&lt;framework&gt;/</c>): the tools and servers the tests start as
/// processes are the ones built beside it, in the same configuration.
/// </summary>
public static class Repository
{
    private static readonly DirectoryInfo TestOutput = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>The directory holding <c>OrleansMmo.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The TypeScript SDK's npm package (<c>clients/typescript</c>).</summary>
    public static string TypeScriptPackage => Path.Combine(Root, "clients", "typescript");

    /// <summary>
    /// <paramref name="assembly"/> (a file name) in the output of the project in folder <paramref name="folder"/>,
    /// built in this test build's configuration and framework.
    /// </summary>
    public static string BuildOutput(string folder, string assembly)
    {
        var path = Path.Combine(Root, folder, "bin", TestOutput.Parent!.Name, TestOutput.Name, assembly);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{assembly} is not built (looked for {path}): build the solution first (dotnet build, or ./test.sh)", path);
    }

    private static string FindRoot()
    {
        for (var directory = TestOutput; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansMmo.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"OrleansMmo.sln not found above {AppContext.BaseDirectory}");
    }
}
