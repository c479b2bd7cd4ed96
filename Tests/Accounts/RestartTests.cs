using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Accounts;

/// <summary>Owns its cluster: it stops and starts the silo, which the shared cluster's tests must not see.</summary>
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
}
