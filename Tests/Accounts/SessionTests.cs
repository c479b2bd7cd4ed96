using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Accounts;

[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class SessionTests(GameCluster cluster)
{
    [Fact]
    public async Task ATicketResumesTheSessionOnAnotherGatewayWithoutAPassword()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("resume");
        var character = await client.CreateCharacterAsync("Res" + Guid.NewGuid().ToString("N")[..8]);
        await client.EnterWorldAsync(character.CharacterId);
        var ticket = client.CurrentTicket!;
        await client.DisposeAsync();

        var otherGateway = await cluster.StartGatewayAsync();
        await using var resumed = await cluster.ConnectAsync(port: GameCluster.GamePortOf(otherGateway));
        var result = await resumed.ResumeSessionAsync(ticket.Token);

        Assert.Equal(character.CharacterId, result.LastCharacterId);
        Assert.NotEqual(ticket.Token, result.Ticket.Token);
        Assert.Single(await resumed.ListCharactersAsync());
    }

    [Fact]
    public async Task ASpentTicketCannotBeReplayed()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("replay");
        var ticket = client.CurrentTicket!;
        await client.DisposeAsync();

        await using var first = await cluster.ConnectAsync();
        await first.ResumeSessionAsync(ticket.Token);

        await using var replay = await cluster.ConnectAsync();
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => replay.ResumeSessionAsync(ticket.Token));
        Assert.Equal(ErrorCode.TicketAlreadyUsed, error.Code);
    }

    [Fact]
    public async Task AnExpiredTicketIsRejected()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("expire");
        var ticket = client.CurrentTicket!;
        await client.DisposeAsync();

        // The fixture's tickets live 3 s; wait until this one is past its expiry.
        var remaining = DateTimeOffset.FromUnixTimeMilliseconds(ticket.ExpiresAtMs) - DateTimeOffset.UtcNow;
        await Task.Delay(remaining + TimeSpan.FromMilliseconds(250));

        await using var late = await cluster.ConnectAsync();
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => late.ResumeSessionAsync(ticket.Token));
        Assert.Equal(ErrorCode.TicketExpired, error.Code);
    }

    [Fact]
    public async Task AForgedOrGarbageTicketIsRejected()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("forge");
        var token = client.CurrentTicket!.Token;
        await client.DisposeAsync();

        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        await using var attacker = await cluster.ConnectAsync();
        foreach (var bad in new[] { tampered, "garbage", "", new string('a', 600), "e30.e30" })
        {
            var error = await Assert.ThrowsAsync<MmoErrorException>(() => attacker.ResumeSessionAsync(bad));
            Assert.Equal(ErrorCode.TicketInvalid, error.Code);
        }
    }

    [Fact]
    public async Task ANewerLoginInvalidatesOlderTickets()
    {
        var (client, username, password) = await cluster.LoggedInClientAsync("newer");
        var oldTicket = client.CurrentTicket!;
        await client.DisposeAsync();

        await using var again = await cluster.ConnectAsync();
        await again.LoginAsync(username, password);

        await using var stale = await cluster.ConnectAsync();
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => stale.ResumeSessionAsync(oldTicket.Token));
        Assert.Equal(ErrorCode.TicketInvalid, error.Code);
    }

    [Fact]
    public async Task RenewingATicketReplacesIt()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("renew");
        await using var _ = client;
        var old = client.CurrentTicket!;
        var renewed = await client.RenewTicketAsync();
        Assert.NotEqual(old.Token, renewed.Token);

        await using var other = await cluster.ConnectAsync();
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => other.ResumeSessionAsync(old.Token));
        Assert.Equal(ErrorCode.TicketInvalid, error.Code);
    }

    [Fact]
    public async Task ASecondLoginOnAnotherGatewayKicksTheFirst()
    {
        var (first, username, password) = await cluster.LoggedInClientAsync("kick");
        await using var _ = first;

        var otherGateway = await cluster.StartGatewayAsync();
        await using var second = await cluster.ConnectAsync(port: GameCluster.GamePortOf(otherGateway));
        await second.LoginAsync(username, password);

        var kicked = await Await.Within(first.Disconnected, "the first connection to be kicked");
        Assert.Equal(DisconnectReason.LoggedInElsewhere, kicked.Reason);
        Assert.Empty(await second.ListCharactersAsync());
    }

    [Fact]
    public async Task ResumingWhileTheOldConnectionLingersKicksIt()
    {
        var (first, _, _) = await cluster.LoggedInClientAsync("linger");
        await using var _ = first;
        var ticket = first.CurrentTicket!;

        await using var second = await cluster.ConnectAsync();
        await second.ResumeSessionAsync(ticket.Token);

        var kicked = await Await.Within(first.Disconnected, "the lingering connection to be kicked");
        Assert.Equal(DisconnectReason.LoggedInElsewhere, kicked.Reason);
    }

    [Fact]
    public async Task LoggingOutEndsTheSessionAndItsTicket()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("logout");
        await using var _ = client;
        var ticket = client.CurrentTicket!;
        await client.LogoutAsync();

        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.ListCharactersAsync());
        Assert.Equal(ErrorCode.NotAllowedInState, error.Code);
        await using var other = await cluster.ConnectAsync();
        var resume = await Assert.ThrowsAsync<MmoErrorException>(() => other.ResumeSessionAsync(ticket.Token));
        Assert.Equal(ErrorCode.TicketInvalid, resume.Code);
    }
}
