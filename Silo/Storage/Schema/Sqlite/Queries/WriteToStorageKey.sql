-- WriteToStorageKey: one row (NewGrainStateVersion) when the write applied, none on a version
-- conflict, which Orleans turns into InconsistentStateException. A conflicting write never
-- overwrites: the insert needs "no row yet" (NULL version, key free) and the update needs the
-- stored version to equal the grain's ETag. The two statements exclude each other through
-- @GrainStateVersion, and each is atomic on its own (SQLite has one writer at a time).
-- Parameters as in ReadFromStorageKey.sql, plus @GrainStateVersion and @PayloadBinary.
INSERT INTO GrainState (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1, PayloadBinary, ModifiedOn, Version)
SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''), @GrainIdN0, @GrainIdN1, @PayloadBinary,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1
WHERE @GrainStateVersion IS NULL
ON CONFLICT (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1) DO NOTHING
RETURNING Version AS NewGrainStateVersion;

UPDATE GrainState
SET PayloadBinary = @PayloadBinary,
    ModifiedOn = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    Version = Version + 1
WHERE ServiceId = @ServiceId
  AND StateName = @GrainTypeString
  AND GrainId = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0
  AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
