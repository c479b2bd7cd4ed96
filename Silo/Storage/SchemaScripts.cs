using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OrleansMmo.Silo.Storage;

/// <summary>One versioned migration: <c>Storage/Schema/{Engine}/NNNN_name.sql</c>.</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script text, recorded when applied so a later edit is noticed.</summary>
    public string Checksum { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// The schema scripts embedded in this assembly for one engine: the migrations, in version
/// order, and the query texts Orleans' ADO.NET storage reads from <c>OrleansQuery</c>.
/// </summary>
public sealed partial class SchemaScripts
{
    /// <summary>Query keys Orleans' grain storage requires. DeleteStorageKey is left out on purpose: see ClearStorageKey.sql.</summary>
    public static readonly IReadOnlyList<string> RequiredQueryKeys = ["ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey"];

    private SchemaScripts(IReadOnlyList<SchemaMigration> migrations, IReadOnlyDictionary<string, string> queries)
    {
        Migrations = migrations;
        Queries = queries;
    }

    public IReadOnlyList<SchemaMigration> Migrations { get; }

    /// <summary>QueryKey to QueryText, from <c>Queries/{QueryKey}.sql</c>.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; }

    public int LatestVersion => Migrations[^1].Version;

    /// <summary>Loads and checks the scripts; a gap or duplicate in versions is a build mistake and throws.</summary>
    public static SchemaScripts Load(StorageEngine engine)
    {
        var assembly = typeof(SchemaScripts).Assembly;
        // Resource names are "<root namespace>.Storage.Schema.<Engine>.<file>", folders joined with dots.
        var marker = $".Storage.Schema.{engine}.";
        var migrations = new List<SchemaMigration>();
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var at = resource.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var file = resource[(at + marker.Length)..];
            if (MigrationFileName().Match(file) is { Success: true } migration)
            {
                migrations.Add(new SchemaMigration(int.Parse(migration.Groups[1].ValueSpan), migration.Groups[2].Value, Read(assembly, resource)));
            }
            else if (QueryFileName().Match(file) is { Success: true } query)
            {
                queries.Add(query.Groups[1].Value, WithoutCommentLines(Read(assembly, resource)));
            }
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"{engine} schema migrations must be numbered 1, 2, 3... without gaps or duplicates; found {string.Join(", ", migrations.Select(m => m.Version))}.");
            }
        }

        if (migrations.Count == 0)
        {
            throw new InvalidOperationException($"No {engine} schema migrations are embedded (Storage/Schema/{engine}/NNNN_name.sql).");
        }

        var missing = RequiredQueryKeys.Where(key => !queries.ContainsKey(key)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{engine} storage queries missing: {string.Join(", ", missing)} (Storage/Schema/{engine}/Queries/<QueryKey>.sql).");
        }

        return new SchemaScripts(migrations, queries);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} cannot be read.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(\d{4})_(\w+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex MigrationFileName();

    /// <summary>
    /// The query without its whole-line comments. The comments document the query in its file; the text Orleans reads
    /// from <c>OrleansQuery</c> is sent with every grain read and write, and the SQLite driver copies all of it to UTF-8
    /// each time (the comments were half of it).
    /// </summary>
    private static string WithoutCommentLines(string sql) =>
        string.Join('\n', sql.Split('\n').Where(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim();

    [GeneratedRegex(@"^Queries\.(\w+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex QueryFileName();
}
