using System.Globalization;
using OrleansMmo.Benchmarks.Hosting;
using OrleansMmo.Bots;
using OrleansMmo.Bots.Metrics;

namespace OrleansMmo.Benchmarks.Scenarios;

/// <summary>
/// Grows the benchmark seed (<see cref="BenchmarkSeed"/>) in two parts, each by running bots that register,
/// log in, create a character and keep their ticket:
/// <list type="bullet">
/// <item><c>seed…</c> accounts, for holding players in the world: made with cheap fixture hashing and only
/// ever resumed with their tickets;</item>
/// <item><c>storm…</c> accounts, for the login storm: hashed at the benchmark silo's real cost, since their
/// logins are what that benchmark measures.</item>
/// </list>
/// A part the seed already holds is skipped; growing it resumes the accounts it has and registers the rest.
/// </summary>
public static class SeedCommand
{
    /// <summary>PBKDF2 iterations for the fixture accounts: 100 times cheaper than the floor.</summary>
    public const int FixtureIterations = 1_000;

    public static async Task<int> RunAsync(string seedDirectory, int accounts, int stormAccounts, int hashConcurrency, CancellationToken cancellationToken)
    {
        var seed = BenchmarkSeed.Open(seedDirectory);
        Console.WriteLine($"seed in {seed.Directory}: {seed.Accounts:N0} player accounts, {seed.StormAccounts:N0} storm accounts");
        if (accounts > seed.Accounts)
        {
            var ready = await SeedAsync(seed, BenchmarkSeed.Prefix, accounts, FixtureIterations, hashConcurrency, cancellationToken);
            if (ready < accounts)
            {
                return 1;
            }

            seed.RecordAccounts(Math.Max(accounts, seed.Accounts), seed.StormAccounts);
        }

        if (accounts > 0)
        {
            await PlaceAsync(seed, accounts, cancellationToken);
        }

        if (stormAccounts > seed.StormAccounts)
        {
            var ready = await RegisterAsync(seed, BenchmarkSeed.StormPrefix, stormAccounts, hashConcurrency, cancellationToken);
            if (ready < stormAccounts)
            {
                return 1;
            }

            seed.RecordAccounts(seed.Accounts, Math.Max(stormAccounts, seed.StormAccounts));
        }

        return 0;
    }

    /// <summary>Scatters the player accounts' characters over the world (<see cref="PlayerPlacement"/>).</summary>
    private static async Task PlaceAsync(BenchmarkSeed seed, int accounts, CancellationToken cancellationToken)
    {
        Console.WriteLine($"placing {accounts:N0} characters across the world");
        await using var servers = await ServerSet.StartAsync(Path.Combine(seed.Directory, "run"), new ServerSetOptions
        {
            SqliteFile = seed.Database,
            Gateways = 0,
            PlacePlayers = $"{BenchmarkSeed.Prefix}:{accounts}",
        }, seed, Console.Out);
        var placed = await servers.Silo.WaitForLineAsync(PlayerPlacement.DoneLine, cancellationToken);
        Console.WriteLine($"placed {placed} characters");
    }

    /// <summary>Registers accounts at the real hashing cost and nothing more: the login storm logs in to them.</summary>
    private static async Task<long> RegisterAsync(BenchmarkSeed seed, string prefix, int accounts, int hashConcurrency, CancellationToken cancellationToken)
    {
        Console.WriteLine($"{prefix}: registering {accounts:N0} accounts at {ServerSet.PasswordIterations:N0} iterations");
        await using var servers = await ServerSet.StartAsync(Path.Combine(seed.Directory, "run"), new ServerSetOptions
        {
            SqliteFile = seed.Database,
            SiloSettings = [("Accounts:PasswordHashing:MaxConcurrent", hashConcurrency.ToString(CultureInfo.InvariantCulture))],
        }, seed, Console.Out);
        var gateway = servers.GameEndpoints[0];
        long ready = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForAsync(0, accounts, new ParallelOptions { MaxDegreeOfParallelism = hashConcurrency * 2, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var username = BotSettings.UsernameOf(prefix, index);
            while (true)
            {
                await using var client = await Client.MmoClient.ConnectAsync(gateway.Host, gateway.Port, cancellationToken: token);
                try
                {
                    await client.RegisterAsync(username, BotSettings.PasswordOf(prefix, index), token);
                    break;
                }
                catch (Client.MmoErrorException ex) when (ex.Code == Protocol.Messages.ErrorCode.UsernameTaken)
                {
                    break;
                }
                catch (Client.MmoErrorException ex) when (ex.RetryAfter is { } wait)
                {
                    await Task.Delay(wait, token);
                }
            }

            if (Interlocked.Increment(ref ready) % 100 == 0)
            {
                Console.WriteLine($"{prefix}: {ready:N0} registered ({ready / clock.Elapsed.TotalSeconds:0.0}/s)");
            }
        });
        return ready;
    }

    private static async Task<long> SeedAsync(BenchmarkSeed seed, string prefix, int accounts, int? iterations, int hashConcurrency, CancellationToken cancellationToken)
    {
        var options = new ServerSetOptions
        {
            SqliteFile = seed.Database,
            FixtureIterations = iterations,
            SiloSettings =
            [
                ("Accounts:PasswordHashing:MaxConcurrent", hashConcurrency.ToString(CultureInfo.InvariantCulture)),
                ("Accounts:PasswordHashing:MaxQueued", "1024"),
            ],
        };
        Console.WriteLine($"{prefix}: {accounts:N0} accounts, hashing at {iterations ?? ServerSet.PasswordIterations:N0} iterations");
        await using var servers = await ServerSet.StartAsync(Path.Combine(seed.Directory, "run"), options, seed, Console.Out);
        var settings = new BotSettings
        {
            Gateways = servers.GameEndpoints,
            Bots = accounts,
            Prefix = prefix,
            SeedOnly = true,
            TicketCache = seed.Tickets,
            Duration = TimeSpan.FromHours(12),
            RampPerSecond = 0,
            // Enough to keep the silo's hashing busy without piling BUSY answers on it.
            LoginConcurrency = iterations is null ? hashConcurrency * 4 : 64,
            MoveRate = 0,
        };
        var summary = await BotRunner.RunInProcessAsync(settings, Console.Out, null, cancellationToken);
        var ready = summary.Final!.Counter(Counter.LoggedIn) + summary.Final.Counter(Counter.Resumed);
        Console.WriteLine($"{prefix}: {ready:N0} of {accounts:N0} accounts ready ({summary.Final.Counter(Counter.Registered):N0} registered now), {summary.ElapsedSeconds:0} s");
        return ready;
    }
}
