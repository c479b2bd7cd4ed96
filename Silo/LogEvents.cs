namespace OrleansMmo.Silo;

/// <summary>
/// Every log event id of the silo host assembly, in one place (after dotnet/orleans' ErrorCodes.cs):
/// each <c>[LoggerMessage]</c> of this assembly takes its id from here, and a test proves each id is
/// used exactly once. Ids are stable: operators filter and alert on them; retire an id, never reuse it.
/// Assemblies own disjoint ranges: Grains 1000-1999, 3000-4999 and 6000-6999; Gateway 2000-2999;
/// Silo 5000-5999 (docs/operations.md). Storage schema ids were 3100-3105 before they moved here,
/// where they no longer share ids with the zone grain.
/// </summary>
internal static class LogEvents
{
    // Storage and its schema: 5000-5099.
    public const int StorageLocation = 5001;
    public const int SchemaMigrationApplied = 5002;
    public const int SchemaReady = 5003;
    public const int SchemaDatabaseNewer = 5004;
    public const int SchemaMigrationChanged = 5005;
    public const int SqliteNotWal = 5006;

    // Hosting: 5100-5199.
    public const int SiloReady = 5101;

    // Operator API and console: 5200-5299.
    public const int OperatorKeyRefused = 5201;
}
