using Orleans.Storage;

namespace OrleansMmo.Silo.Storage;

/// <summary>
/// Hands Orleans' ADO.NET storage the grain's exact identity, so that no two grain states can
/// share a row.
/// </summary>
/// <remarks>
/// <para>
/// Left to itself, the ADO.NET provider keys a row by the state name and the grain's key alone,
/// and it reads the key as an integer when it parses as hex and as a Guid when it parses as one.
/// Found in Orleans 10.4.2: <c>[PersistentState("state")]</c> on <c>AccountGrain("alice")</c> and
/// on <c>PlayerGrain("alice")</c> share one row (the grain type is in no query parameter), and the
/// string keys "a", "A" and "0a" share one row (all read as the integer 10). Either way one grain
/// reads, and may overwrite, another grain's state.
/// </para>
/// <para>
/// This decorator passes the provider a grain id whose key is the whole original id,
/// "<c>type/key</c>" (for example "<c>player/alice</c>"). The '/' makes it parse as neither an
/// integer nor a Guid, so the provider sends it unchanged as <c>@GrainIdExtensionString</c>, with
/// <c>@GrainIdN0</c> = <c>@GrainIdN1</c> = 0, and the table's key (service, state name, grain id)
/// is exact. The grain type is the stable <c>[GrainType]</c> name, or one derived from the class
/// name: give persistent grains an explicit <c>[GrainType]</c> so a class rename keeps their state.
/// </para>
/// </remarks>
internal sealed class GrainIdentityStorage(IGrainStorage inner) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, StorageId(grainId), grainState);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        inner.ReadStateAsync(stateName, StorageId(grainId), grainState, cancellationToken);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.WriteStateAsync(stateName, StorageId(grainId), grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        inner.WriteStateAsync(stateName, StorageId(grainId), grainState, cancellationToken);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, StorageId(grainId), grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        inner.ClearStateAsync(stateName, StorageId(grainId), grainState, cancellationToken);

    /// <summary>The id the provider stores under: same type, key "type/key".</summary>
    internal static GrainId StorageId(GrainId grainId) => GrainId.Create(grainId.Type, IdSpan.Create(grainId.ToString()));
}
