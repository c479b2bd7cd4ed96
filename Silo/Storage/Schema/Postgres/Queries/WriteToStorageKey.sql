-- WriteToStorageKey: one row (NewGrainStateVersion) when the write applied, none on a version
-- conflict, which Orleans turns into InconsistentStateException. A conflicting write never
-- overwrites: the insert needs "no row yet" (NULL version, key free) and the update needs the
-- stored version to equal the grain's ETag. An UPDATE that waited for a concurrent writer's row
-- lock re-checks Version against the committed row, so of two writers with one ETag one wins.
-- Parameters as in ReadFromStorageKey.sql, plus @GrainStateVersion and @PayloadBinary.
WITH inserted AS (
    INSERT INTO GrainState (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1, PayloadBinary, ModifiedOn, Version)
    SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''), @GrainIdN0, @GrainIdN1, @PayloadBinary, now(), 1
    WHERE CAST(@GrainStateVersion AS integer) IS NULL
    ON CONFLICT (ServiceId, StateName, GrainId, GrainIdN0, GrainIdN1) DO NOTHING
    RETURNING Version
),
updated AS (
    UPDATE GrainState
    SET PayloadBinary = @PayloadBinary,
        ModifiedOn = now(),
        Version = Version + 1
    WHERE ServiceId = @ServiceId
      AND StateName = @GrainTypeString
      AND GrainId = COALESCE(@GrainIdExtensionString, '')
      AND GrainIdN0 = @GrainIdN0
      AND GrainIdN1 = @GrainIdN1
      AND Version = CAST(@GrainStateVersion AS integer)
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM inserted
UNION ALL
SELECT Version FROM updated;
