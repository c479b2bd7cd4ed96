using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Security;

/// <summary>Made-up ResumeSession tokens, through a real gateway socket (docs/security.md).</summary>
[Trait("Category", "Cluster")]
[Collection(FrontDoorCollection.Name)]
public class ResumeAbuseTests(FrontDoorCluster cluster)
{
    [Fact]
    public async Task AForgedTicketIsRefusedAtTheGatewayWithoutActivatingItsAccount()
    {
        // Positive control: a real login's account grain shows among the active ones.
        var (owner, username, _) = await cluster.LoggedInClientAsync("rsmo");
        await using (owner)
        {
            Assert.Contains(AccountGrainId(AccountKeys.ForUsername(username)), await ActiveAccountGrainsAsync());
        }

        var victimKey = AccountKeys.ForUsername(GameCluster.UniqueName("forged"));
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort, IPAddress.Parse("127.0.0.36"));
        await socket.HelloAsync();
        await socket.SendFrameAsync(Opcode.ResumeSession, 2, new ResumeSessionRequest { Token = Forge(victimKey) });

        var answer = (await socket.ReadFrameAsync())!;
        Assert.Equal(ErrorCode.TicketInvalid, answer.ErrorCode);
        // Before the gateway checked the signature, the made-up token activated this account grain (and read its storage).
        Assert.DoesNotContain(AccountGrainId(victimKey), await ActiveAccountGrainsAsync());
    }

    [Fact]
    public async Task FailedResumesAreCountedPerAddressAndThrottled()
    {
        await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort, IPAddress.Parse("127.0.0.37"));
        await socket.HelloAsync();
        var codes = new List<ErrorCode>();
        for (uint i = 0; i < 21; i++)
        {
            await socket.SendFrameAsync(Opcode.ResumeSession, 10 + i, new ResumeSessionRequest { Token = Forge(AccountKeys.ForUsername(GameCluster.UniqueName("forged"))) });
            codes.Add((await socket.ReadFrameAsync())!.ErrorCode);
        }

        // The default budget: 20 failures in 5 minutes, then the address waits.
        Assert.All(codes.Take(20), c => Assert.Equal(ErrorCode.TicketInvalid, c));
        Assert.Equal(ErrorCode.LoginThrottled, codes[20]);

        // Another address resumes a genuine ticket as usual.
        var (client, _, _) = await cluster.LoggedInClientAsync("rsmg");
        var ticket = client.CurrentTicket!.Token;
        await client.DisposeAsync();
        await using var resumed = await cluster.ConnectAsync();
        await resumed.ResumeSessionAsync(ticket);
    }

    /// <summary>A well-formed token for <paramref name="accountKey"/> with a signature made up by the attacker.</summary>
    private static string Forge(string accountKey)
    {
        var body = new SessionTicketToken(Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(5), accountKey).EncodeBody();
        return SessionTicketToken.Format(body, RandomNumberGenerator.GetBytes(32));
    }

    private static GrainId AccountGrainId(string key) => GrainId.Create("account", key);

    private async Task<List<GrainId>> ActiveAccountGrainsAsync() =>
        await cluster.Silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetActiveGrains(GrainType.Create("account"));
}
