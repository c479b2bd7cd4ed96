-- 0002: find a grain's states by its id alone, as operators do ("WHERE GrainId = 'player/alice'",
-- see docs/persistence.md). The primary key starts with ServiceId and StateName, so without this
-- such a lookup reads the whole table.
CREATE INDEX IX_GrainState_GrainId ON GrainState (GrainId);
