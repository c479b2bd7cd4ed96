using System.Net;
using OrleansMmo.Client;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Accounts;

[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class AccountTests(GameCluster cluster)
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task HelloWithAnotherProtocolVersionIsRejectedThenClosed()
    {
        await using var client = await cluster.ConnectAsync(new MmoClientOptions { SkipHandshake = true, AutomaticHeartbeat = false });

        var error = await Assert.ThrowsAsync<MmoErrorException>(() =>
            client.SendRequestAsync(Opcode.Hello, new HelloRequest { ProtocolVersion = ProtocolVersion.Current + 1 }, HelloResponse.Parser));
        Assert.Equal(ErrorCode.ProtocolVersionMismatch, error.Code);

        var disconnect = await Await.Within(client.Disconnected, "the gateway to close after a version mismatch");
        Assert.Equal(DisconnectReason.ProtocolViolation, disconnect.Reason);
    }

    [Fact]
    public async Task ARegisteredAccountCanLogIn()
    {
        await using var client = await cluster.ConnectAsync();
        var username = GameCluster.UniqueName("reg");
        var accountId = await client.RegisterAsync(username, Password);

        var login = await client.LoginAsync(username, Password);

        Assert.Equal(accountId, login.AccountId);
        Assert.False(string.IsNullOrEmpty(login.Ticket.Token));
        Assert.True(login.Ticket.ExpiresAtMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Empty(await client.ListCharactersAsync());
    }

    [Fact]
    public async Task UsernamesAreCaseInsensitive()
    {
        await using var client = await cluster.ConnectAsync();
        var username = GameCluster.UniqueName("case");
        await client.RegisterAsync(username, Password);

        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.RegisterAsync(username.ToUpperInvariant(), Password));
        Assert.Equal(ErrorCode.UsernameTaken, error.Code);
        await client.LoginAsync(username.ToUpperInvariant(), Password);
    }

    [Theory]
    [InlineData("ab", Password, ErrorCode.UsernameInvalid)]
    [InlineData("has space", Password, ErrorCode.UsernameInvalid)]
    [InlineData("émile", Password, ErrorCode.UsernameInvalid)]
    [InlineData("validname1", "short", ErrorCode.PasswordInvalid)]
    public async Task RegistrationRulesAreEnforced(string username, string password, ErrorCode expected)
    {
        await using var client = await cluster.ConnectAsync();
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.RegisterAsync(username, password));
        Assert.Equal(expected, error.Code);
    }

    [Fact]
    public async Task ATooLongPasswordIsRejected()
    {
        await using var client = await cluster.ConnectAsync();
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.RegisterAsync(GameCluster.UniqueName("long"), new string('x', 129)));
        Assert.Equal(ErrorCode.PasswordInvalid, error.Code);
    }

    [Fact]
    public async Task LoginWithWrongPasswordOrUnknownUserIsRejectedAlike()
    {
        await using var client = await cluster.ConnectAsync();
        var username = GameCluster.UniqueName("wrong");
        await client.RegisterAsync(username, Password);

        var wrong = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(username, "not the password"));
        var unknown = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(GameCluster.UniqueName("nobody"), Password));

        Assert.Equal(ErrorCode.InvalidCredentials, wrong.Code);
        Assert.Equal(ErrorCode.InvalidCredentials, unknown.Code);
        Assert.Equal(wrong.Detail, unknown.Detail);
    }

    [Fact]
    public async Task RepeatedFailedLoginsLockTheAccountEvenForTheRightPassword()
    {
        await using var client = await cluster.ConnectAsync();
        var username = GameCluster.UniqueName("lock");
        await client.RegisterAsync(username, Password);

        for (var i = 0; i < 5; i++)
        {
            var failure = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(username, "guess" + i + "guess"));
            Assert.Equal(ErrorCode.InvalidCredentials, failure.Code);
        }

        var locked = await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(username, Password));
        Assert.Equal(ErrorCode.LoginThrottled, locked.Code);
        Assert.True(locked.RetryAfter > TimeSpan.Zero);

        // Another account from the same address is unaffected.
        await using var other = await cluster.ConnectAsync();
        var otherName = GameCluster.UniqueName("free");
        await other.RegisterAsync(otherName, Password);
        await other.LoginAsync(otherName, Password);
    }

    [Fact]
    public async Task RepeatedFailuresFromOneAddressThrottleThatAddressOnly()
    {
        // A loopback address of its own, so this test's failures do not throttle the others'. A
        // connection per victim keeps each one well inside the unauthenticated timeout, however
        // slowly a loaded machine hashes.
        var options = new MmoClientOptions { LocalAddress = IPAddress.Parse("127.0.0.2") };
        var victims = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var name = GameCluster.UniqueName("victim");
            await using var registrar = await cluster.ConnectAsync(options);
            await registrar.RegisterAsync(name, Password);
            victims.Add(name);
        }

        // 20 failures (the default per-address limit) spread so no single account locks (4 < 5).
        foreach (var victim in victims)
        {
            await using var guesser = await cluster.ConnectAsync(options);
            for (var i = 0; i < 4; i++)
            {
                await Assert.ThrowsAsync<MmoErrorException>(() => guesser.LoginAsync(victim, "wrong password " + i));
            }
        }

        await using var attacker = await cluster.ConnectAsync(options);
        var blocked = await Assert.ThrowsAsync<MmoErrorException>(() => attacker.LoginAsync(victims[0], Password));
        Assert.Equal(ErrorCode.LoginThrottled, blocked.Code);

        await using var elsewhere = await cluster.ConnectAsync();
        await elsewhere.LoginAsync(victims[0], Password);
    }

    [Fact]
    public async Task CharacterNamesAreUniqueAcrossAccountsRegardlessOfCase()
    {
        var (first, _, _) = await cluster.LoggedInClientAsync("namea");
        var (second, _, _) = await cluster.LoggedInClientAsync("nameb");
        await using var a = first;
        await using var b = second;
        var name = "Hero" + Guid.NewGuid().ToString("N")[..6];

        var created = await a.CreateCharacterAsync(name);
        Assert.Equal(name, created.Name);

        foreach (var variant in new[] { name, name.ToUpperInvariant(), name.ToLowerInvariant() })
        {
            var error = await Assert.ThrowsAsync<MmoErrorException>(() => b.CreateCharacterAsync(variant));
            Assert.Equal(ErrorCode.CharacterNameTaken, error.Code);
        }

        await a.DeleteCharacterAsync(created.CharacterId);
        var reused = await b.CreateCharacterAsync(name.ToLowerInvariant());
        Assert.Equal(name.ToLowerInvariant(), reused.Name);
    }

    [Fact]
    public async Task CharactersAreCreatedListedAndDeleted()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("chars");
        await using var _ = client;
        var one = await client.CreateCharacterAsync("Alpha" + Guid.NewGuid().ToString("N")[..6]);
        var two = await client.CreateCharacterAsync("Beta" + Guid.NewGuid().ToString("N")[..6]);

        var listed = (await client.ListCharactersAsync()).Select(c => c.CharacterId).Order();
        Assert.Equal(new[] { one.CharacterId, two.CharacterId }.Order(), listed);

        await client.DeleteCharacterAsync(one.CharacterId);
        Assert.Equal(two.CharacterId, Assert.Single(await client.ListCharactersAsync()).CharacterId);

        var missing = await Assert.ThrowsAsync<MmoErrorException>(() => client.DeleteCharacterAsync(one.CharacterId));
        Assert.Equal(ErrorCode.CharacterNotFound, missing.Code);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("has space")]
    [InlineData("emoji😀x")]
    [InlineData("waytoolongname12345")]
    public async Task CharacterNameRulesAreEnforced(string name)
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("rules");
        await using var _ = client;
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.CreateCharacterAsync(name));
        Assert.Equal(ErrorCode.CharacterNameInvalid, error.Code);
    }

    [Fact]
    public async Task CharacterNamesAreLettersCountedInCharactersWithoutNormalization()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("norm");
        await using var _ = client;
        // No Unicode normalization (invariant globalization has no data for it): a decomposed letter
        // (e + combining acute) is refused, as a combining mark is not a letter; the precomposed one is a letter.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var decomposed = await Assert.ThrowsAsync<MmoErrorException>(() => client.CreateCharacterAsync("Jose\u0301" + suffix));
        Assert.Equal(ErrorCode.CharacterNameInvalid, decomposed.Code);
        Assert.Equal("Jos\u00E9" + suffix, (await client.CreateCharacterAsync("Jos\u00E9" + suffix)).Name);

        // Letters outside the BMP count once each: 16 of them (32 UTF-16 units) is the longest name, 17 too long.
        var ideographs = string.Concat(Enumerable.Range(0, 16).Select(i => char.ConvertFromUtf32(0x20000 + (Random.Shared.Next(0, 2600) * 16) + i)));
        Assert.Equal(ideographs, (await client.CreateCharacterAsync(ideographs)).Name);
        var tooLong = await Assert.ThrowsAsync<MmoErrorException>(() => client.CreateCharacterAsync(ideographs + char.ConvertFromUtf32(0x20000)));
        Assert.Equal(ErrorCode.CharacterNameInvalid, tooLong.Code);
    }

    [Fact]
    public async Task ACharacterLimitApplies()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("limit");
        await using var _ = client;
        for (var i = 0; i < 8; i++)
        {
            await client.CreateCharacterAsync("Lim" + Guid.NewGuid().ToString("N")[..8]);
        }

        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.CreateCharacterAsync("Lim" + Guid.NewGuid().ToString("N")[..8]));
        Assert.Equal(ErrorCode.CharacterLimitReached, error.Code);
    }

    [Fact]
    public async Task AnOpcodeInTheWrongStateIsRefusedAndTheConnectionStays()
    {
        await using var client = await cluster.ConnectAsync();
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.ListCharactersAsync());
        Assert.Equal(ErrorCode.NotAllowedInState, error.Code);

        var enter = await Assert.ThrowsAsync<MmoErrorException>(() => client.EnterWorldAsync(Guid.NewGuid().ToString()));
        Assert.Equal(ErrorCode.NotAllowedInState, enter.Code);

        await client.PingAsync();
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task EnteringTheWorldNeedsOneOfTheAccountsOwnCharacters()
    {
        var (owner, _, _) = await cluster.LoggedInClientAsync("own");
        var (other, _, _) = await cluster.LoggedInClientAsync("thief");
        await using var a = owner;
        await using var b = other;
        var character = await a.CreateCharacterAsync("Own" + Guid.NewGuid().ToString("N")[..8]);

        var stolen = await Assert.ThrowsAsync<MmoErrorException>(() => b.EnterWorldAsync(character.CharacterId));
        Assert.Equal(ErrorCode.CharacterNotFound, stolen.Code);
        var deleted = await Assert.ThrowsAsync<MmoErrorException>(() => b.DeleteCharacterAsync(character.CharacterId));
        Assert.Equal(ErrorCode.CharacterNotFound, deleted.Code);

        var entered = (await a.EnterWorldAsync(character.CharacterId)).Character;
        Assert.Equal(character.CharacterId, entered.CharacterId);
        var inWorld = await Assert.ThrowsAsync<MmoErrorException>(() => a.ListCharactersAsync());
        Assert.Equal(ErrorCode.NotAllowedInState, inWorld.Code);
        await a.LeaveWorldAsync();
        Assert.Single(await a.ListCharactersAsync());
    }
}
