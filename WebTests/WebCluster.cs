using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.WebTests;

[CollectionDefinition(Name)]
public sealed class WebClusterCollection : ICollectionFixture<GameCluster>
{
    public const string Name = "web cluster";
}

/// <summary>Where the repository's files are: the TypeScript package, the docs.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string TypeScriptPackage => Path.Combine(Root, "clients", "typescript");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansMmo.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"OrleansMmo.sln not found above {AppContext.BaseDirectory}");
    }
}
