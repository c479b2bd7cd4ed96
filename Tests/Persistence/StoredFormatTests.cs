using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.Diagnostics;
using OrleansMmo.Silo.Storage;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Persistence;

/// <summary>
/// State stored by an earlier build stays readable: payloads committed under
/// <c>Tests/Persistence/Fixtures</c> (written by this format: Orleans' binary serializer, fields by
/// [Id], types by [Alias]) are read by today's types, and a database at schema version 1 is
/// migrated with its rows intact. A fixture is never regenerated: if one stops reading, stored
/// game state would too.
/// </summary>
[Trait("Category", "Storage")]
public sealed class StoredFormatTests
{
    private const string FixtureGrainKey = "canary:fixture";

    internal static readonly StorageCanaryState CanaryFixture = new() { Balance = 1234, Position = 42 };

    internal static readonly AccountState AccountFixture = new()
    {
        AccountId = Guid.Parse("6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"),
        Username = "fixture",
        PasswordHash = "pbkdf2-sha512$100000$c2FsdA==$aGFzaA==",
        CreatedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Characters =
        [
            new CharacterRecord
            {
                CharacterId = Guid.Parse("0a1b2c3d-4e5f-4607-8819-2a3b4c5d6e7f"),
                Name = "Aldric",
                CreatedAt = new DateTimeOffset(2025, 1, 2, 3, 5, 0, TimeSpan.Zero),
                Level = 7,
            },
        ],
        Session = new ActiveSession
        {
            SessionId = Guid.Parse("11111111-2222-4333-8444-555555555555"),
            TicketId = Guid.Parse("66666666-7777-4888-9999-aaaaaaaaaaaa"),
            SpentTicketId = Guid.Parse("bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"),
            CharacterInWorld = Guid.Parse("0a1b2c3d-4e5f-4607-8819-2a3b4c5d6e7f"),
        },
        LastLoginAt = new DateTimeOffset(2025, 1, 3, 0, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public async Task AnAccountStoredInTheCurrentFormatReadsBack()
    {
        var path = TestServers.NewSqliteFilePath("fixture_account");
        try
        {
            await using var silo = await StorageTestSilo.StartAsync(StorageSiloFixture.Settings(new StorageOptions { SqlitePath = path }));
            var serializer = silo.Services.GetRequiredService<Serializer>();

            var account = Assert.IsType<AccountState>(serializer.Deserialize<AccountState>(await File.ReadAllBytesAsync(Fixture("account-state.bin"))));

            Assert.Equal((AccountFixture.AccountId, AccountFixture.Username, AccountFixture.PasswordHash), (account.AccountId, account.Username, account.PasswordHash));
            Assert.Equal((AccountFixture.CreatedAt, AccountFixture.LastLoginAt), (account.CreatedAt, account.LastLoginAt));
            var character = Assert.Single(account.Characters);
            var expected = AccountFixture.Characters[0];
            Assert.Equal((expected.CharacterId, expected.Name, expected.CreatedAt, expected.Level), (character.CharacterId, character.Name, character.CreatedAt, character.Level));
            var session = Assert.IsType<ActiveSession>(account.Session);
            Assert.Equal(
                (AccountFixture.Session!.SessionId, AccountFixture.Session.TicketId, AccountFixture.Session.SpentTicketId, AccountFixture.Session.CharacterInWorld),
                (session.SessionId, session.TicketId, session.SpentTicketId, session.CharacterInWorld));
            Assert.Null(session.Endpoint);
        }
        finally
        {
            TestServers.DeleteSqliteDirectory(path);
        }
    }

    [Fact]
    public Task ASqliteDatabaseAtSchemaVersionOneIsMigratedAndItsStoredStateStillReads() =>
        ADatabaseAtSchemaVersionOneIsMigratedAndItsStoredStateStillReadsAsync(StorageEngine.Sqlite);

    [Fact]
    [Trait("Needs", "Postgres")]
    public Task APostgresDatabaseAtSchemaVersionOneIsMigratedAndItsStoredStateStillReads() =>
        ADatabaseAtSchemaVersionOneIsMigratedAndItsStoredStateStillReadsAsync(StorageEngine.Postgres);

    private static async Task ADatabaseAtSchemaVersionOneIsMigratedAndItsStoredStateStillReadsAsync(StorageEngine engine)
    {
        var options = engine == StorageEngine.Postgres
            ? new StorageOptions { PostgresConnectionString = await TestServers.CreatePostgresDatabaseAsync("schema_v1") }
            : new StorageOptions { SqlitePath = TestServers.NewSqliteFilePath("schema_v1") };
        try
        {
            await CreateVersionOneDatabaseAsync(options);

            await using var silo = await StorageTestSilo.StartAsync(StorageSiloFixture.Settings(options));

            var report = await silo.Grains.GetGrain<IStorageCanaryGrain>(FixtureGrainKey).Report();
            Assert.Equal((CanaryFixture.Balance, CanaryFixture.Position, true), (report.Balance, report.Position, report.RecordExists));
            // And it writes on top of the migrated row, from the version it was stored with.
            Assert.Equal(CanaryFixture.Balance + 1, await silo.Grains.GetGrain<IStorageCanaryGrain>(FixtureGrainKey).Deposit(1));
            var latest = SchemaScripts.Load(engine);
            await using var database = new GameDatabase(options);
            await using var connection = await database.DataSource.OpenConnectionAsync();
            Assert.Equal(latest.Migrations.Select(m => m.Version), await TestSql.QueryAsync(connection, "SELECT Version FROM SchemaVersion ORDER BY Version", r => Convert.ToInt32(r.GetValue(0))));
            Assert.Equal([4L], await TestSql.QueryAsync(connection, "SELECT Version FROM GrainState", r => Convert.ToInt64(r.GetValue(0))));
        }
        finally
        {
            if (engine == StorageEngine.Postgres)
            {
                await TestServers.DropPostgresDatabaseAsync(options.PostgresConnectionString!);
            }
            else
            {
                TestServers.DeleteSqliteDirectory(options.SqlitePath);
            }
        }
    }

    /// <summary>A database as a build at schema version 1 leaves it: migration 1 applied and recorded, its queries, and one stored canary at version 3.</summary>
    private static async Task CreateVersionOneDatabaseAsync(StorageOptions options)
    {
        var scripts = SchemaScripts.Load(options.Engine);
        var first = scripts.Migrations[0];
        Assert.Equal(1, first.Version);
        await using var database = new GameDatabase(options);
        if (database.SqliteFilePath is { } file)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        }

        await using var connection = await database.DataSource.OpenConnectionAsync();
        var schemaVersionTable = options.Engine == StorageEngine.Postgres
            ? "CREATE TABLE SchemaVersion (Version integer NOT NULL PRIMARY KEY, Name text NOT NULL, Checksum text NOT NULL, AppliedOn timestamptz NOT NULL DEFAULT now())"
            : "CREATE TABLE SchemaVersion (Version INTEGER NOT NULL PRIMARY KEY, Name TEXT NOT NULL, Checksum TEXT NOT NULL, AppliedOn TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) STRICT";
        await TestSql.ExecuteAsync(connection, schemaVersionTable);
        await TestSql.ExecuteAsync(connection, first.Sql);
        await TestSql.ExecuteAsync(connection, "INSERT INTO SchemaVersion (Version, Name, Checksum) VALUES (@v, @n, @c)", ("v", 1), ("n", first.Name), ("c", first.Checksum));
        foreach (var (key, text) in scripts.Queries)
        {
            await TestSql.ExecuteAsync(connection, "INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES (@k, @t)", ("k", key), ("t", text));
        }

        var modifiedOn = options.Engine == StorageEngine.Postgres ? "now()" : "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
        await TestSql.ExecuteAsync(
            connection,
            $"INSERT INTO GrainState (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1, PayloadBinary, ModifiedOn, Version) VALUES (@s, @n, @g, 0, 0, @p, {modifiedOn}, 3)",
            ("s", StorageTestSilo.ServiceId),
            ("n", StorageCanaryGrain.StateName),
            ("g", $"{StorageCanaryGrain.GrainTypeName}/{FixtureGrainKey}"),
            ("p", await File.ReadAllBytesAsync(Fixture("canary-state.bin"))));
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Persistence", "Fixtures", name);
}
