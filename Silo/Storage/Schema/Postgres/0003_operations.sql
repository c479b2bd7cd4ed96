-- 0003: operational records beside grain state: the audit log of operator actions, play
-- sessions (one row per authenticated connection) with the character stays in them, and when
-- each gateway process was last heard from. Times are Unix milliseconds (bigint), the same on
-- both engines, so one set of queries serves both. Ids are text (Guid "D" format).

CREATE TABLE AuditLog
(
    Id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ServiceId text   NOT NULL,
    AtMs      bigint NOT NULL,
    -- "key:<name>" for an API key, "account:<username>" for a GM in the game.
    Operator  text   NOT NULL,
    Role      text   NOT NULL,
    -- "api" or "game"; Source is the operator's address.
    Channel   text   NOT NULL,
    Source    text   NOT NULL,
    Action    text   NOT NULL,
    -- "account:alice", "character:emerald/Bob", "address:10.1.0.0/16", "world:emerald".
    Target    text   NOT NULL,
    Details   text   NOT NULL,
    -- "ok", or the outcome and its message ("forbidden: needs Admin").
    Result    text   NOT NULL
);
CREATE INDEX IX_AuditLog_Target ON AuditLog (ServiceId, Target, Id);
CREATE INDEX IX_AuditLog_Operator ON AuditLog (ServiceId, Operator, Id);
CREATE INDEX IX_AuditLog_At ON AuditLog (ServiceId, AtMs);

-- One authenticated connection of an account: from Login or ResumeSession to its end.
-- EndedAtMs is NULL while it is open; play time is the sum of EndedAtMs - StartedAtMs.
CREATE TABLE PlaySession
(
    SessionId       text    NOT NULL PRIMARY KEY,
    ServiceId       text    NOT NULL,
    AccountId       text    NOT NULL,
    Username        text    NOT NULL,
    StartedAtMs     bigint  NOT NULL,
    EndedAtMs       bigint  NULL,
    -- logout, disconnect, timeout, kick, replaced, shutdown, drain, gateway_lost, protocol.
    EndReason       text    NULL,
    RemoteAddress   text    NOT NULL,
    ClientName      text    NOT NULL,
    ClientBuild     integer NOT NULL,
    ClientPlatform  text    NOT NULL,
    GatewayId       text    NOT NULL,
    -- The gateway process (a new value at each start), so a restarted gateway with the same id
    -- is not mistaken for the one that died.
    GatewayInstance text    NOT NULL,
    ConnectionId    bigint  NOT NULL,
    Resumed         integer NOT NULL
);
CREATE INDEX IX_PlaySession_Account ON PlaySession (AccountId, StartedAtMs);
CREATE INDEX IX_PlaySession_Open ON PlaySession (ServiceId, GatewayInstance) WHERE EndedAtMs IS NULL;

-- A character's stay in a world within a session: who is online where, and the statistics.
CREATE TABLE PlayStay
(
    Id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    SessionId     text   NOT NULL,
    ServiceId     text   NOT NULL,
    AccountId     text   NOT NULL,
    WorldId       text   NOT NULL,
    CharacterId   text   NOT NULL,
    CharacterName text   NOT NULL,
    EnteredAtMs   bigint NOT NULL,
    LeftAtMs      bigint NULL
);
CREATE INDEX IX_PlayStay_Session ON PlayStay (SessionId);
CREATE INDEX IX_PlayStay_Open ON PlayStay (ServiceId, WorldId, CharacterName) WHERE LeftAtMs IS NULL;
CREATE INDEX IX_PlayStay_Entered ON PlayStay (ServiceId, EnteredAtMs);

-- When the gateway registry last heard from each gateway process: the end time given to its
-- open sessions if it dies while no registry is watching (a silo failover at the same time).
CREATE TABLE GatewaySeen
(
    ServiceId       text   NOT NULL,
    GatewayInstance text   NOT NULL,
    GatewayId       text   NOT NULL,
    LastSeenMs      bigint NOT NULL,
    PRIMARY KEY (ServiceId, GatewayInstance)
);
