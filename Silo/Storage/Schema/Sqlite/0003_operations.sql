-- 0003: operational records beside grain state: the audit log of operator actions, play
-- sessions (one row per authenticated connection) with the character stays in them, and when
-- each gateway process was last heard from. Times are Unix milliseconds (integers), the same on
-- both engines, so one set of queries serves both. Ids are text (Guid "D" format).
-- STRICT tables: a value of the wrong type is an error instead of being stored as is.

CREATE TABLE AuditLog
(
    Id        INTEGER PRIMARY KEY,
    ServiceId TEXT   NOT NULL,
    AtMs      INTEGER NOT NULL,
    -- "key:<name>" for an API key, "account:<username>" for a GM in the game.
    Operator  TEXT   NOT NULL,
    Role      TEXT   NOT NULL,
    -- "api" or "game"; Source is the operator's address.
    Channel   TEXT   NOT NULL,
    Source    TEXT   NOT NULL,
    Action    TEXT   NOT NULL,
    -- "account:alice", "character:emerald/Bob", "address:10.1.0.0/16", "world:emerald".
    Target    TEXT   NOT NULL,
    Details   TEXT   NOT NULL,
    -- "ok", or the outcome and its message ("forbidden: needs Admin").
    Result    TEXT   NOT NULL
) STRICT;
CREATE INDEX IX_AuditLog_Target ON AuditLog (ServiceId, Target, Id);
CREATE INDEX IX_AuditLog_Operator ON AuditLog (ServiceId, Operator, Id);
CREATE INDEX IX_AuditLog_At ON AuditLog (ServiceId, AtMs);

-- One authenticated connection of an account: from Login or ResumeSession to its end.
-- EndedAtMs is NULL while it is open; play time is the sum of EndedAtMs - StartedAtMs.
CREATE TABLE PlaySession
(
    SessionId       TEXT    NOT NULL PRIMARY KEY,
    ServiceId       TEXT    NOT NULL,
    AccountId       TEXT    NOT NULL,
    Username        TEXT    NOT NULL,
    StartedAtMs     INTEGER  NOT NULL,
    EndedAtMs       INTEGER  NULL,
    -- logout, disconnect, timeout, kick, replaced, shutdown, drain, gateway_lost, protocol.
    EndReason       TEXT    NULL,
    RemoteAddress   TEXT    NOT NULL,
    ClientName      TEXT    NOT NULL,
    ClientBuild     INTEGER NOT NULL,
    ClientPlatform  TEXT    NOT NULL,
    GatewayId       TEXT    NOT NULL,
    -- The gateway process (a new value at each start), so a restarted gateway with the same id
    -- is not mistaken for the one that died.
    GatewayInstance TEXT    NOT NULL,
    ConnectionId    INTEGER  NOT NULL,
    Resumed         INTEGER NOT NULL
) STRICT;
CREATE INDEX IX_PlaySession_Account ON PlaySession (AccountId, StartedAtMs);
CREATE INDEX IX_PlaySession_Open ON PlaySession (ServiceId, GatewayInstance) WHERE EndedAtMs IS NULL;

-- A character's stay in a world within a session: who is online where, and the statistics.
CREATE TABLE PlayStay
(
    Id            INTEGER PRIMARY KEY,
    SessionId     TEXT   NOT NULL,
    ServiceId     TEXT   NOT NULL,
    AccountId     TEXT   NOT NULL,
    WorldId       TEXT   NOT NULL,
    CharacterId   TEXT   NOT NULL,
    CharacterName TEXT   NOT NULL,
    EnteredAtMs   INTEGER NOT NULL,
    LeftAtMs      INTEGER NULL
) STRICT;
CREATE INDEX IX_PlayStay_Session ON PlayStay (SessionId);
CREATE INDEX IX_PlayStay_Open ON PlayStay (ServiceId, WorldId, CharacterName) WHERE LeftAtMs IS NULL;
CREATE INDEX IX_PlayStay_Entered ON PlayStay (ServiceId, EnteredAtMs);

-- When the gateway registry last heard from each gateway process: the end time given to its
-- open sessions if it dies while no registry is watching (a silo failover at the same time).
CREATE TABLE GatewaySeen
(
    ServiceId       TEXT   NOT NULL,
    GatewayInstance TEXT   NOT NULL,
    GatewayId       TEXT   NOT NULL,
    LastSeenMs      INTEGER NOT NULL,
    PRIMARY KEY (ServiceId, GatewayInstance)
) STRICT;
