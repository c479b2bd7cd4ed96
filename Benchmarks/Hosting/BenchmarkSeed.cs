using System.Security.Cryptography;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// Accounts made once and reused: a SQLite snapshot with N registered accounts, each with a character
/// and a live session, plus the session tickets (<c>tickets/</c>) and the signing key that made them.
/// Registering and logging in costs the silo two PBKDF2 hashes per account (~0.1 s of a core each
/// here), so 50,000 fresh players would spend most of an hour hashing; a benchmark about holding
/// connections copies this snapshot instead and has its bots resume their sessions with the tickets.
/// Made by <c>OrleansMmo.Benchmarks seed</c>; lives outside the repository (default
/// <c>/var/tmp/orleansmmo-bench/seed</c>).
/// </summary>
public sealed class BenchmarkSeed
{
    public const string Prefix = "seed";

    /// <summary>Accounts hashed at the real cost, for the login storm.</summary>
    public const string StormPrefix = "storm";

    private BenchmarkSeed(string directory, string signingKey)
    {
        Directory = directory;
        SigningKey = signingKey;
    }

    public static string DefaultDirectory => Path.Combine("/var/tmp", "orleansmmo-bench", "seed");

    public string Directory { get; }

    public string SigningKey { get; }

    public string Database => Path.Combine(Directory, "seed.db");

    public string Tickets => Path.Combine(Directory, "tickets");

    /// <summary>Player accounts in the snapshot: recorded by the seed command after each successful run.</summary>
    public int Accounts => ReadCount(0);

    /// <summary>Storm accounts (real password cost) in the snapshot.</summary>
    public int StormAccounts => ReadCount(1);

    private string CountFile => Path.Combine(Directory, "accounts.txt");

    public void RecordAccounts(int accounts, int stormAccounts) =>
        File.WriteAllText(CountFile, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{accounts} {stormAccounts}"));

    private int ReadCount(int field)
    {
        var parts = File.Exists(CountFile) ? File.ReadAllText(CountFile).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        return parts.Length > field && int.TryParse(parts[field], out var n) ? n : 0;
    }

    /// <summary>Opens the seed in <paramref name="directory"/>, creating its signing key the first time.</summary>
    public static BenchmarkSeed Open(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var keyFile = Path.Combine(directory, "signing-key.txt");
        if (!File.Exists(keyFile))
        {
            File.WriteAllText(keyFile, NewSigningKey());
        }

        return new BenchmarkSeed(directory, File.ReadAllText(keyFile).Trim());
    }

    /// <summary>Fails with the command to run when the seed has fewer than <paramref name="accounts"/> accounts.</summary>
    public static BenchmarkSeed Require(string directory, int accounts, int stormAccounts = 0)
    {
        var seed = Open(directory);
        if (seed.Accounts < accounts || seed.StormAccounts < stormAccounts || !File.Exists(seed.Database))
        {
            throw new InvalidOperationException(
                $"the seed in {directory} has {seed.Accounts} player and {seed.StormAccounts} storm accounts, this run needs {accounts} and {stormAccounts}: "
                + $"run `OrleansMmo.Benchmarks seed --accounts {Math.Max(accounts, seed.Accounts)} --storm-accounts {Math.Max(stormAccounts, seed.StormAccounts)} --seed-dir {directory}` first");
        }

        return seed;
    }

    public static string NewSigningKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
