namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Copies the character names claimed before confusable skeletons ("name:" keys) to skeleton keys, in
/// batches on a timer, once per cluster; character creation waits (BUSY) until it is complete, so no
/// newcomer can take a look-alike of an old name in between. Key: <see cref="SingletonKey"/>.
/// </summary>
[Alias("mmo.ICharacterNameMigrationGrain")]
public interface ICharacterNameMigrationGrain : IGrainWithStringKey
{
    /// <summary>The one key this grain is used with.</summary>
    public const string SingletonKey = "skeleton-1";

    /// <summary>True once every old name has a skeleton claim; starts (or resumes) the migration if it has not finished.</summary>
    [Alias("IsComplete")]
    Task<bool> IsComplete();

    /// <summary>
    /// Runs the migration again from the first old name (idempotent: names already copied stay as they are).
    /// For operators after restoring old data into a running cluster.
    /// </summary>
    [Alias("Restart")]
    Task Restart();
}
