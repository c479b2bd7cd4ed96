namespace OrleansMmo.Grains;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>Game state: accounts, characters, players. ADO.NET, SQLite or PostgreSQL.</summary>
    public const string Game = "game";
}
