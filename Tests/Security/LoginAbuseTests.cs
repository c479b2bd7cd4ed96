using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Client;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// Password guessing through real gateway sockets (docs/security.md). Each test guesses from a loopback
/// address of its own (127.0.0.x), so its failures throttle nobody else's logins.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class LoginAbuseTests(FrontDoorCluster cluster)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task ParallelGuessesFromOneAddressGetNoMoreThanTheAddressBudget()
    {
        // 30 connections from one address, each guessing one made-up name at the same moment. When the
        // throttle was read before the hash and written after it, all 30 were hashed: 30 guesses in a window
        // allowing 20.
        // Up to 20 hashes queue behind one another on a loaded machine: no client gives up waiting for its answer.
        var from = new MmoClientOptions { LocalAddress = IPAddress.Parse("127.0.0.31"), ClientName = "tests", RequestTimeout = TimeSpan.FromMinutes(2) };
        var clients = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => cluster.ConnectAsync(from)));
        try
        {
            var outcomes = await Task.WhenAll(clients.Select(c => OutcomeAsync(() => c.LoginAsync(GameCluster.UniqueName("ghost"), "wrong password"))));

            var hashed = outcomes.Count(o => o == ErrorCode.InvalidCredentials);
            Assert.True(hashed <= 20, $"{hashed} parallel guesses from one address were checked; the budget is 20 (outcomes: {string.Join(", ", outcomes)})");
            Assert.All(outcomes, o => Assert.True(o is ErrorCode.InvalidCredentials or ErrorCode.LoginThrottled, o.ToString()));
            Assert.Contains(ErrorCode.LoginThrottled, outcomes);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task LoginsRefusedForAFullBudgetAreGivenTurnsOneAfterAnother()
    {
        // The address's budget (20) full of checks in flight. Every refused caller used to be told "1 s": a storm
        // behind one address came back as one wave a second later and was refused again, wave after wave.
        var throttle = cluster.Silo.Services.GetRequiredService<IGrainFactory>()
            .GetGrain<ILoginThrottleGrain>(AccountKeys.ForRemoteAddress("192.0.2." + Random.Shared.Next(1, 255)));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(TimeSpan.Zero, await throttle.TryBeginAttempt());
        }

        var waits = new List<TimeSpan>();
        for (var i = 0; i < 800; i++)
        {
            waits.Add(await throttle.TryBeginAttempt());
        }

        // Turns a slot's estimated duration (1 s until one finishes) over the 20 slots apart: the first ones
        // one after another, each later than the last.
        var firstTurns = waits.Take(10).ToList();
        for (var i = 1; i < firstTurns.Count; i++)
        {
            Assert.True(firstTurns[i] > firstTurns[i - 1], $"turn {i} ({firstTurns[i]}) is not after turn {i - 1} ({firstTurns[i - 1]})");
        }

        Assert.True(firstTurns[^1] - firstTurns[0] >= TimeSpan.FromMilliseconds(300), $"ten turns span only {firstTurns[^1] - firstTurns[0]}");

        // Nobody is told to wait past Accounts:MaxThrottledRetryAfter (30 s); those past it share its second half.
        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30)));
        Assert.All(waits.Skip(750), w => Assert.InRange(w, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)));
        Assert.True(waits.Skip(750).Distinct().Count() > 40, "callers past the cap are not spread over its second half");

        for (var i = 0; i < 20; i++)
        {
            await throttle.EndAttempt(failed: false);
        }
    }

    [Fact]
    public async Task FailuresOnUnknownNamesAnswerExactlyLikeFailuresOnKnownOnes()
    {
        var known = GameCluster.UniqueName("known");
        await using (var owner = await cluster.ConnectAsync(FromAddress("127.0.0.32")))
        {
            await owner.RegisterAsync(known, Password);
        }

        var unknown = GameCluster.UniqueName("unknown");
        await using var guesser = await cluster.ConnectAsync(FromAddress("127.0.0.33"));
        foreach (var name in new[] { known, unknown })
        {
            for (var i = 0; i < 5; i++)
            {
                var failure = await Assert.ThrowsAsync<MmoErrorException>(() => guesser.LoginAsync(name, "guess number " + i));
                Assert.Equal(ErrorCode.InvalidCredentials, failure.Code);
            }
        }

        // Both names lock after the fifth failure, with the same retry time: an unknown name that never locked
        // told the guesser it does not exist.
        var knownLocked = await Assert.ThrowsAsync<MmoErrorException>(() => guesser.LoginAsync(known, "guess number 6"));
        var unknownLocked = await Assert.ThrowsAsync<MmoErrorException>(() => guesser.LoginAsync(unknown, "guess number 6"));
        Assert.Equal(ErrorCode.LoginThrottled, knownLocked.Code);
        Assert.Equal(ErrorCode.LoginThrottled, unknownLocked.Code);
        Assert.Equal(knownLocked.Detail, unknownLocked.Detail);
        // Each lock is the configured minute, counted from its own fifth failure (a few hashes apart).
        Assert.InRange(knownLocked.RetryAfter!.Value, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        Assert.InRange(unknownLocked.RetryAfter!.Value, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
        Assert.True(unknownLocked.RetryAfter >= knownLocked.RetryAfter, "the unknown name's lock, taken later, ends sooner than the known one's");
    }

    [Fact]
    public async Task ALockoutKeepsTheGuesserOutButNotTheOwner()
    {
        var name = GameCluster.UniqueName("owner");
        await using var owner = await cluster.ConnectAsync(FromAddress("127.0.0.34"));
        await owner.RegisterAsync(name, Password);

        await using var guesser = await cluster.ConnectAsync(FromAddress("127.0.0.35"));
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<MmoErrorException>(() => guesser.LoginAsync(name, "guess number " + i));
        }

        // The guesser is locked out even with the right password ...
        var locked = await Assert.ThrowsAsync<MmoErrorException>(() => guesser.LoginAsync(name, Password));
        Assert.Equal(ErrorCode.LoginThrottled, locked.Code);

        // ... and the owner, from their own address, is not: a lockout is no tool to keep an owner out.
        await owner.LoginAsync(name, Password);
    }

    [Fact]
    public async Task APlayerBehindTheSameAddressAsAGuesserLogsInWithTheDeviceTokenOfAnEarlierLogin()
    {
        // One NAT: the owner and a guesser share 127.0.0.36. Every login below is a connection of its own.
        var nat = FromAddress("127.0.0.36");
        async Task<LoginResult> LoginAsync(string user, string password, string? deviceToken)
        {
            await using var client = await cluster.ConnectAsync(nat);
            return await client.LoginAsync(user, password, deviceToken);
        }

        Task<ErrorCode> AttemptAsync(string user, string password, string? deviceToken) => OutcomeAsync(() => LoginAsync(user, password, deviceToken));

        var (name, other) = (GameCluster.UniqueName("natowner"), GameCluster.UniqueName("natother"));
        await using (var registrar = await cluster.ConnectAsync(nat))
        {
            await registrar.RegisterAsync(name, Password);
            await registrar.RegisterAsync(other, Password);
        }

        var otherDevice = (await LoginAsync(other, Password, null)).DeviceToken;
        var device = (await LoginAsync(name, Password, null)).DeviceToken;
        Assert.False(string.IsNullOrEmpty(device), "a password login answers a device token");
        Assert.NotEqual(device, otherDevice);

        // The guesser spends the address's failure budget (20), each guess on a name of its own.
        var outcomes = new List<ErrorCode>();
        await using (var guesser = await cluster.ConnectAsync(nat))
        {
            for (var i = 0; i < 22; i++)
            {
                outcomes.Add(await OutcomeAsync(() => guesser.LoginAsync(GameCluster.UniqueName("ghost"), "wrong password")));
            }
        }

        Assert.Equal(ErrorCode.LoginThrottled, outcomes[^1]);

        // Without a token, or with one that is not this account's, the correct password is throttled like any guess
        // from there (otherwise the budget would protect nothing) ...
        Assert.Equal(ErrorCode.LoginThrottled, await AttemptAsync(name, Password, null));
        Assert.Equal(ErrorCode.LoginThrottled, await AttemptAsync(name, Password, otherDevice));
        var forged = device![..^4] + (device[^4] == 'A' ? "B" : "A") + device[^3..];
        Assert.Equal(ErrorCode.LoginThrottled, await AttemptAsync(name, Password, forged));

        // ... but the device that logged in before gets in: the guesser cannot keep the owner out. Before, the
        // address's budget was everyone's behind it, for 5 minutes.
        var again = await LoginAsync(name, Password, device);
        Assert.False(string.IsNullOrEmpty(again.DeviceToken));

        // The device has a failure budget of its own instead: 5 wrong passwords with it lock that device out of the
        // account, and the token alone (without the password) never logs in.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ErrorCode.InvalidCredentials, await AttemptAsync(name, "wrong " + i, again.DeviceToken));
        }

        Assert.Equal(ErrorCode.LoginThrottled, await AttemptAsync(name, Password, again.DeviceToken));
    }

    private static MmoClientOptions FromAddress(string address) => new() { LocalAddress = IPAddress.Parse(address), ClientName = "tests" };

    private static async Task<ErrorCode> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return ErrorCode.Unspecified;
        }
        catch (MmoErrorException ex)
        {
            return ex.Code;
        }
    }
}
