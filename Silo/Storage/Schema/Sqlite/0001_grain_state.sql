-- 0001: the grain state table and the query table of Orleans' ADO.NET grain storage.
-- An applied migration is never edited (the migrator records its checksum and warns):
-- change the schema with a new file 0002_<what>.sql.
-- The journal mode (WAL) is set by the migrator: it cannot change inside a transaction.
-- STRICT tables: a value of the wrong type is an error instead of being stored as is.

-- Orleans reads its query texts from here once, at silo start. The migrator rewrites the
-- storage rows from Queries/*.sql on every start, so they always match this build.
CREATE TABLE OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
) STRICT;

-- One row per grain state. Orleans' own scripts find rows through 32-bit hashes of the key
-- and state name, which are not unique; here the primary key is the state's full identity, so
-- two activations racing to create the same state can never produce two rows.
CREATE TABLE GrainState
(
    ServiceId     TEXT    NOT NULL,
    -- The name in [PersistentState("name", ...)] (Orleans' @GrainTypeString).
    StateName     TEXT    NOT NULL,
    -- The grain id "type/key", e.g. 'player/alice' (see GrainIdentityStorage.cs). '' rather
    -- than NULL when the provider is used without it: NULLs never compare equal in a key.
    GrainId       TEXT    NOT NULL,
    -- Integer or Guid keys as the provider splits them; 0 through GrainIdentityStorage.
    GrainIdN0     INTEGER NOT NULL,
    GrainIdN1     INTEGER NOT NULL,
    -- Orleans binary serializer output; NULL after ClearStateAsync.
    PayloadBinary BLOB    NULL,
    -- UTC, ISO 8601.
    ModifiedOn    TEXT    NOT NULL,
    -- Optimistic concurrency: the grain's ETag. Only ever incremented, also by a clear.
    Version       INTEGER NOT NULL,
    PRIMARY KEY (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1)
) STRICT;
