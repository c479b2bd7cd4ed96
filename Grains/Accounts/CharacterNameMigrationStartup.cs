namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Starts the character-name migration (<see cref="ICharacterNameMigrationGrain"/>) as the silo becomes
/// active, so an upgraded cluster copies its old names before players create characters. On a cluster
/// without old names it completes within this call; otherwise it goes on in the background while
/// character creation answers BUSY. A failure fails the silo start: a silo that cannot reach its own
/// storage should not serve.
/// </summary>
internal sealed class CharacterNameMigrationStartup(IGrainFactory grains) : IStartupTask
{
    public Task Execute(CancellationToken cancellationToken) =>
        grains.GetGrain<ICharacterNameMigrationGrain>(ICharacterNameMigrationGrain.SingletonKey).IsComplete();
}
