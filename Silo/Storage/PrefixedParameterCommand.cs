using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;

namespace OrleansMmo.Silo.Storage;

/// <summary>
/// A <see cref="SqliteCommand"/> that gives its parameters the '@' prefix the SQL text uses before it runs, so
/// Microsoft.Data.Sqlite finds each one with a single lookup.
/// </summary>
/// <remarks>
/// Orleans' ADO.NET storage names its parameters without a prefix (<c>GrainIdHash</c>), and so does
/// <see cref="Operations.SqlOperationsStore"/> (the same names serve PostgreSQL). For such a name,
/// Microsoft.Data.Sqlite 10 looks the plain name up in each statement of the command, then tries it with each
/// of the three prefixes ('@', '$', ':'), all of them, to report an ambiguous name: a new string and a UTF-8 copy
/// per try, for every parameter in every statement, whether the statement uses it or not. That was the silo's
/// largest single source of garbage when players arrive (17.7% of its allocation per session start, measured:
/// docs/benchmarks/README.md, "Session starts allocate less"). With the prefix the first lookup finds the
/// parameter, or tells at once that the statement does not use it. Every SQL text of the silo names its
/// parameters with '@' (the query scripts in Schema/, the operations store), so the prefix is the one they bind to;
/// a name that already has a prefix is left as it is.
/// </remarks>
internal sealed class PrefixedParameterCommand : SqliteCommand
{
    // Parameter names come from code (Orleans' and ours), a few dozen in all; the bound keeps a caller that makes
    // names up from growing this without end (past it, names are prefixed each time, as before).
    private const int MaxCachedNames = 512;
    private static readonly ConcurrentDictionary<string, string> Prefixed = new(StringComparer.Ordinal);

    // ExecuteNonQuery, ExecuteScalar and the async forms all run through this overload.
    public override SqliteDataReader ExecuteReader(CommandBehavior behavior)
    {
        foreach (SqliteParameter parameter in Parameters)
        {
            var name = parameter.ParameterName;
            if (name.Length > 0 && name[0] is not ('@' or '$' or ':'))
            {
                parameter.ParameterName = PrefixedName(name);
            }
        }

        return base.ExecuteReader(behavior);
    }

    private static string PrefixedName(string name)
    {
        if (Prefixed.TryGetValue(name, out var prefixed))
        {
            return prefixed;
        }

        prefixed = "@" + name;
        if (Prefixed.Count < MaxCachedNames)
        {
            Prefixed.TryAdd(name, prefixed);
        }

        return prefixed;
    }
}
