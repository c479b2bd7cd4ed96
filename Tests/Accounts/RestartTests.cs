using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Accounts;

/// <summary>Owns its cluster: it stops and starts the silo, which the shared cluster's tests must not see.</summary>
[Trait("Category", "Cluster")]
public class RestartTests : IClassFixture<GameCluster>
{
    private readonly GameCluster _cluster;

    public RestartTests(GameCluster cluster) => _cluster = cluster;

    [Fact]
    public async Task AccountsAndCharactersSurviveAFullRestart()
    {
        var (client, username, password) = await _cluster.LoggedInClientAsync("restart");
        var character = await client.CreateCharacterAsync("Keep" + Guid.NewGuid().ToString("N")[..8]);
        await client.DisposeAsync();

        await _cluster.RestartAsync();

        await using var after = await _cluster.ConnectAsync();
        await after.LoginAsync(username, password);
        var listed = Assert.Single(await after.ListCharactersAsync());
        Assert.Equal(character.CharacterId, listed.CharacterId);
        Assert.Equal(character.Name, listed.Name);

        // The name is still claimed by that character across the restart.
        var (other, _, _) = await _cluster.LoggedInClientAsync("restart2");
        await using var _ = other;
        var taken = await Assert.ThrowsAsync<OrleansMmo.Client.MmoErrorException>(() => other.CreateCharacterAsync(character.Name.ToUpperInvariant()));
        Assert.Equal(ErrorCode.CharacterNameTaken, taken.Code);
    }

    [Fact]
    public async Task AGracefulRestartKeepsWhereTheCharacterStoodAndWhatItCarries()
    {
        var (client, username, password) = await _cluster.LoggedInClientAsync("where");
        var character = await client.CreateCharacterAsync("Pos" + Guid.NewGuid().ToString("N")[..8]);
        var entered = await client.EnterWorldAsync(character.CharacterId);
        // A few moves, not written through: the graceful stop must write them.
        for (var i = 1; i <= 5; i++)
        {
            Assert.True((await client.MoveAsync(1500 - (i * 10), 1500)).Accepted);
        }

        Assert.True((await client.MoveAsync(1440, 1500)).Accepted);

        // The client is still in the world when the silo stops.
        await _cluster.RestartAsync();
        await client.DisposeAsync();

        await using var after = await _cluster.ConnectAsync();
        await after.LoginAsync(username, password);
        var back = await after.EnterWorldAsync(character.CharacterId);
        Assert.Equal("plains", back.Arrival.Zone.ZoneId);
        Assert.Equal(1440f, back.Arrival.Position.X);
        Assert.Equal(entered.Player.Gold, back.Player.Gold);
        Assert.Equal(entered.Player.Inventory, back.Player.Inventory);
    }
}
