namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// Game storage on the real PostgreSQL server that <c>./test.sh</c> starts (<c>MMO_TEST_POSTGRES</c>),
/// in a database of this class's own. Part of the normal suite: without the server it fails, it does not skip.
/// </summary>
public sealed class PostgresGrainStorageTests(PostgresStorageSiloFixture fixture)
    : GrainStorageBehaviour<PostgresStorageSiloFixture>(fixture), IClassFixture<PostgresStorageSiloFixture>;
