using OrleansMmo.Client;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Accounts;

[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class SecretsTests(GameCluster cluster)
{
    [Fact]
    public async Task PasswordsAndTicketsNeverReachTheLogs()
    {
        var username = GameCluster.UniqueName("secret");
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var wrongPassword = "wrong-" + Guid.NewGuid().ToString("N");
        await using var client = await cluster.ConnectAsync();
        await client.RegisterAsync(username, password);
        await Assert.ThrowsAsync<MmoErrorException>(() => client.LoginAsync(username, wrongPassword));
        var login = await client.LoginAsync(username, password);
        var renewed = await client.RenewTicketAsync();
        await using var other = await cluster.ConnectAsync();
        await Assert.ThrowsAsync<MmoErrorException>(() => other.ResumeSessionAsync(login.Ticket.Token));
        var resumed = await other.ResumeSessionAsync(renewed.Token);
        await Await.Within(client.Disconnected, "the kick that logs a session change");

        Assert.Contains(cluster.Logs.Entries, e => e.Contains(username, StringComparison.Ordinal));
        var secrets = new[] { password, wrongPassword, login.Ticket.Token, renewed.Token, resumed.Ticket.Token }
            .Concat(new[] { login.Ticket.Token, renewed.Token, resumed.Ticket.Token }.Select(t => t.Split('.')[1]));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(cluster.Logs.Entries, e => e.Contains(secret, StringComparison.Ordinal));
        }
    }
}
