namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// Game storage on the real PostgreSQL server that <c>./test.sh</c> starts (<c>MMO_TEST_POSTGRES</c>),
/// in a database of this class's own. Skipped where that server is not configured.
/// </summary>
[Trait("Category", "Storage")]
[Trait("Needs", "Postgres")]
public sealed class PostgresGrainStorageTests(PostgresStorageSiloFixture fixture)
    : GrainStorageBehaviour<PostgresStorageSiloFixture>(fixture), IClassFixture<PostgresStorageSiloFixture>;
