using System.Collections.Concurrent;
using Orleans.Metadata;

namespace OrleansMmo.Grains;

/// <summary>
/// Grain references by key, as <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string?)"/> makes them,
/// without working out the interface's <see cref="GrainInterfaceType"/> again on every call.
/// </summary>
/// <remarks>
/// Orleans 10.4's <c>GrainFactory.GetGrain</c> asks <see cref="GrainInterfaceTypeResolver"/> for the interface's id
/// each time, and that reads the interface's custom attributes and formats its type name: reflection and strings
/// for every reference made. On the session-start path (resume, ListCharacters, EnterWorld) that was 19% of the
/// gateway's allocation and a few percent of the silo's (docs/benchmarks/README.md, "Session starts allocate
/// less"). The id depends on the interface type alone, so it is kept here once per type. The grain type behind the
/// interface is looked up every time, as Orleans does (its resolver keeps the cluster manifest's map cached and
/// follows a new manifest); while the manifest does not know the interface yet, the reference comes from Orleans
/// itself, so it gets the same placeholder type Orleans would give it.
/// </remarks>
public sealed class GrainRefs(IGrainFactory factory, GrainInterfaceTypeResolver interfaceTypes, GrainInterfaceTypeToGrainTypeResolver grainTypes)
{
    private readonly ConcurrentDictionary<Type, GrainInterfaceType> _interfaceTypes = new();

    /// <summary>The grain of <typeparamref name="T"/> with this string key.</summary>
    public T Get<T>(string key)
        where T : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return TryCreate(typeof(T), IdSpan.Create(key), out var reference) ? (T)reference : factory.GetGrain<T>(key);
    }

    /// <summary>The grain of <typeparamref name="T"/> with this Guid key.</summary>
    public T Get<T>(Guid key)
        where T : IGrainWithGuidKey =>
        TryCreate(typeof(T), GrainIdKeyExtensions.CreateGuidKey(key), out var reference) ? (T)reference : factory.GetGrain<T>(key);

    private bool TryCreate(Type type, IdSpan key, out IAddressable reference)
    {
        var interfaceType = _interfaceTypes.GetOrAdd(type, static (t, resolver) => resolver.GetGrainInterfaceType(t), interfaceTypes);
        if (!grainTypes.TryGetGrainType(interfaceType, out var grainType))
        {
            reference = null!;
            return false;
        }

        reference = factory.GetGrain(GrainId.Create(grainType, key), interfaceType);
        return true;
    }
}
