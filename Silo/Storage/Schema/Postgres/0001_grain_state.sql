-- 0001: the grain state table and the query table of Orleans' ADO.NET grain storage.
-- An applied migration is never edited (the migrator records its checksum and warns):
-- change the schema with a new file 0002_<what>.sql.

-- Orleans reads its query texts from here once, at silo start. The migrator rewrites the
-- storage rows from Queries/*.sql on every start, so they always match this build.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);

-- One row per grain state. Orleans' own scripts find rows through 32-bit hashes of the key
-- and state name, which are not unique; here the primary key is the state's full identity, so
-- two activations racing to create the same state can never produce two rows.
CREATE TABLE GrainState
(
    ServiceId     text        NOT NULL,
    -- The name in [PersistentState("name", ...)] (Orleans' @GrainTypeString).
    StateName     text        NOT NULL,
    -- The grain id "type/key", e.g. 'player/alice' (see GrainIdentityStorage.cs). '' rather
    -- than NULL when the provider is used without it: NULLs never compare equal in a key.
    GrainId       text        NOT NULL,
    -- Integer or Guid keys as the provider splits them; 0 through GrainIdentityStorage.
    GrainIdN0     bigint      NOT NULL,
    GrainIdN1     bigint      NOT NULL,
    -- Orleans binary serializer output; NULL after ClearStateAsync.
    PayloadBinary bytea       NULL,
    ModifiedOn    timestamptz NOT NULL DEFAULT now(),
    -- Optimistic concurrency: the grain's ETag. Only ever incremented, also by a clear.
    Version       integer     NOT NULL,
    CONSTRAINT PK_GrainState PRIMARY KEY (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1)
)
-- Every write is an UPDATE of non-key columns: free space on the page lets PostgreSQL keep
-- the new row version on the same page (a HOT update) without touching the index.
WITH (fillfactor = 80);
