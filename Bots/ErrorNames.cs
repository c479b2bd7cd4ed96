using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf.Reflection;

namespace OrleansMmo.Bots;

/// <summary>Wire enum values by their .proto names (BUSY, LOGIN_THROTTLED), as docs/protocol.md spells them.</summary>
public static class ErrorNames
{
    private static readonly ConcurrentDictionary<Enum, string> Names = new();

    public static string Of(Enum value) => Names.GetOrAdd(value, static v =>
        v.GetType().GetField(v.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? v.ToString());
}
