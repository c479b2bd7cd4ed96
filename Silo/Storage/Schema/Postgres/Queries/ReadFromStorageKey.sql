-- ReadFromStorageKey: at most one row (PayloadBinary, Version).
-- Parameters (Orleans' names): @GrainTypeString is the state name; @GrainIdExtensionString is the
-- grain id "type/key" (see GrainIdentityStorage.cs); the hash parameters are not used.
SELECT PayloadBinary, Version
FROM GrainState
WHERE ServiceId = @ServiceId
  AND StateName = @GrainTypeString
  AND GrainId = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0
  AND GrainIdN1 = @GrainIdN1;
