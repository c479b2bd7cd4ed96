-- ClearStorageKey: keeps the row with a NULL payload and a higher version, under the same version
-- check as a write; one row (the new version) on success, none on a conflict. Deleting the row
-- would restart versions at 1, and a stale activation holding ETag 1 from before the delete could
-- then overwrite a newer state. Parameters as in WriteToStorageKey.sql, without @PayloadBinary.
UPDATE GrainState
SET PayloadBinary = NULL,
    ModifiedOn = now(),
    Version = Version + 1
WHERE ServiceId = @ServiceId
  AND StateName = @GrainTypeString
  AND GrainId = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0
  AND GrainIdN1 = @GrainIdN1
  AND Version = CAST(@GrainStateVersion AS integer)
RETURNING Version AS NewGrainStateVersion;
