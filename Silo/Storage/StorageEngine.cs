namespace OrleansMmo.Silo.Storage;

/// <summary>The relational engine behind grain storage.</summary>
public enum StorageEngine
{
    /// <summary>A local file: the no-configuration default for one machine.</summary>
    Sqlite,

    /// <summary>A server shared by every silo: production.</summary>
    Postgres,
}
