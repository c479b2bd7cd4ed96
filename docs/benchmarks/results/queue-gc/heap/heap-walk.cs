#:package Microsoft.Diagnostics.Runtime@4.2.750101
#:property ManagePackageVersionsCentrally=false
// Reads a .NET heap dump (createdump -h -f FILE PID) with ClrMD and prints what a young collection pays for:
//   dotnet run heap-walk.cs -- refs DUMP         bytes per generation; old objects holding references to younger ones, by type
//   dotnet run heap-walk.cs -- types DUMP GEN    live objects of one generation (Generation0, Generation1, Generation2, Large) by type
//   dotnet run heap-walk.cs -- owners DUMP TYPE  who holds the young live objects of one type (e.g. System.String), by type
//   dotnet run heap-walk.cs -- diff DUMP1 DUMP2  what the live heap gained between two dumps of one process, by type, and per
//                                                added activation (Orleans.Runtime.ActivationData)
// The DAC is taken from the runtime running this tool: run it with the version the dumped process ran.
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

var dac = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libmscordaccore.so");
switch (args)
{
    case ["refs", var dump]:
        Refs(dump);
        break;
    case ["types", var dump, var generation]:
        Print(Types(dump, Enum.Parse<Generation>(generation)), 60);
        break;
    case ["owners", var dump, var type]:
        Owners(dump, type);
        break;
    case ["diff", var first, var second]:
        Diff(Types(first, null), Types(second, null));
        break;
    default:
        Console.Error.WriteLine("usage: refs DUMP | types DUMP GENERATION | owners DUMP TYPE | diff DUMP1 DUMP2");
        return 2;
}

return 0;

ClrHeap Open(string dump, out DataTarget target)
{
    target = DataTarget.LoadDump(dump);
    // A dump written by createdump does not carry the runtime's version where ClrMD looks for it.
    return target.ClrVersions[0].CreateRuntime(dac, ignoreMismatch: true).Heap;
}

// Large, pinned and frozen objects are collected with gen2; for "younger than", they count as gen2.
static int Age(Generation generation) => generation switch
{
    Generation.Generation0 => 0,
    Generation.Generation1 => 1,
    Generation.Generation2 or Generation.Large or Generation.Pinned or Generation.Frozen => 2,
    _ => -1,
};

void Refs(string dump)
{
    var heap = Open(dump, out var target);
    using var _ = target;
    var bytes = new Dictionary<Generation, long>();
    var sources = new Dictionary<string, (long Objects, long Refs, long Bytes)>();
    var pairs = new Dictionary<string, long>();
    foreach (var obj in heap.EnumerateObjects())
    {
        if (!obj.IsValid || obj.Type is null || heap.GetSegmentByAddress(obj.Address) is not { } segment)
        {
            continue;
        }

        var generation = segment.GetGeneration(obj.Address);
        bytes[generation] = bytes.GetValueOrDefault(generation) + (long)obj.Size;
        var age = Age(generation);
        if (age <= 0)
        {
            continue;
        }

        long younger = 0;
        foreach (var reference in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: false))
        {
            if (heap.GetSegmentByAddress(reference) is not { } referenceSegment)
            {
                continue;
            }

            var referenceGeneration = referenceSegment.GetGeneration(reference);
            if (Age(referenceGeneration) is >= 0 and var referenceAge && referenceAge < age)
            {
                younger++;
                var pair = $"{generation} -> {referenceGeneration}  {obj.Type.Name}  ->  {heap.GetObjectType(reference)?.Name}";
                pairs[pair] = pairs.GetValueOrDefault(pair) + 1;
            }
        }

        if (younger > 0)
        {
            var key = $"{generation} {obj.Type.Name}";
            var (objects, refs, size) = sources.GetValueOrDefault(key);
            sources[key] = (objects + 1, refs + younger, size + (long)obj.Size);
        }
    }

    foreach (var (generation, size) in bytes.OrderBy(p => p.Key))
    {
        Console.WriteLine($"{generation}: {size / 1e6:0.0} MB");
    }

    Console.WriteLine($"\nOld objects holding references to younger ones: {sources.Values.Sum(v => v.Objects):N0} objects, {sources.Values.Sum(v => v.Refs):N0} references");
    Console.WriteLine("  objects      refs    object KB  generation, type");
    foreach (var (key, (objects, refs, size)) in sources.OrderByDescending(p => p.Value.Refs).Take(30))
    {
        Console.WriteLine($"{objects,9:N0} {refs,9:N0} {size / 1e3,12:N0}  {key}");
    }

    Console.WriteLine("\nReferences by source and target");
    foreach (var (pair, count) in pairs.OrderByDescending(p => p.Value).Take(30))
    {
        Console.WriteLine($"{count,9:N0}  {pair}");
    }
}

Dictionary<string, (long Count, long Bytes)> Types(string dump, Generation? only)
{
    var heap = Open(dump, out var target);
    using var _ = target;
    var types = new Dictionary<string, (long Count, long Bytes)>();
    var live = Live(heap);
    foreach (var obj in heap.EnumerateObjects())
    {
        if (!obj.IsValid || obj.Type?.Name is not { } name || obj.Type.IsFree || !live.Contains(obj.Address))
        {
            continue;
        }

        if (only is { } generation && heap.GetSegmentByAddress(obj.Address)?.GetGeneration(obj.Address) != generation)
        {
            continue;
        }

        var (count, bytes) = types.GetValueOrDefault(name);
        types[name] = (count + 1, bytes + (long)obj.Size);
    }

    return types;
}

// What a full collection would keep: every object reachable from the roots (a dump holds the dead ones too).
static HashSet<ulong> Live(ClrHeap heap)
{
    var live = new HashSet<ulong>();
    var pending = new Stack<ulong>();
    foreach (var root in heap.EnumerateRoots())
    {
        if (root.Object.Address != 0 && live.Add(root.Object.Address))
        {
            pending.Push(root.Object.Address);
        }
    }

    while (pending.TryPop(out var address))
    {
        foreach (var reference in heap.GetObject(address).EnumerateReferenceAddresses(carefully: false, considerDependantHandles: true))
        {
            if (reference != 0 && live.Add(reference))
            {
                pending.Push(reference);
            }
        }
    }

    return live;
}

// Who holds the young (gen0, gen1) live objects of one type, by the holder's type.
void Owners(string dump, string type)
{
    var heap = Open(dump, out var target);
    using var _ = target;
    var live = Live(heap);
    var owners = new Dictionary<string, long>();
    foreach (var address in live)
    {
        var obj = heap.GetObject(address);
        if (obj.Type is null)
        {
            continue;
        }

        foreach (var reference in obj.EnumerateReferenceAddresses(carefully: false, considerDependantHandles: false))
        {
            if (heap.GetObjectType(reference)?.Name == type && Age(heap.GetSegmentByAddress(reference)?.GetGeneration(reference) ?? Generation.Unknown) is 0 or 1)
            {
                owners[obj.Type.Name ?? "?"] = owners.GetValueOrDefault(obj.Type.Name ?? "?") + 1;
            }
        }
    }

    foreach (var (owner, count) in owners.OrderByDescending(p => p.Value).Take(30))
    {
        Console.WriteLine($"{count,9:N0}  {owner}");
    }
}

static void Print(Dictionary<string, (long Count, long Bytes)> types, int top)
{
    Console.WriteLine($"{types.Values.Sum(v => v.Count):N0} objects, {types.Values.Sum(v => v.Bytes) / 1e6:0.0} MB (free space left out)");
    foreach (var (name, (count, bytes)) in types.OrderByDescending(p => p.Value.Bytes).Take(top))
    {
        Console.WriteLine($"{count,9:N0} {bytes / 1e3,10:N0} KB  {name}");
    }
}

static void Diff(Dictionary<string, (long Count, long Bytes)> before, Dictionary<string, (long Count, long Bytes)> after)
{
    var added = after.Select(p => (Name: p.Key, Count: p.Value.Count - before.GetValueOrDefault(p.Key).Count, Bytes: p.Value.Bytes - before.GetValueOrDefault(p.Key).Bytes))
        .Where(t => t.Count > 0)
        .ToList();
    var activations = added.FirstOrDefault(t => t.Name == "Orleans.Runtime.ActivationData").Count;
    var count = added.Sum(t => t.Count);
    var bytes = added.Sum(t => t.Bytes);
    Console.WriteLine($"Added: {count:N0} objects, {bytes / 1e6:0.0} MB in types that grew; {activations:N0} more activations"
        + (activations > 0 ? $": {(double)count / activations:0} objects, {bytes / (double)activations / 1e3:0.0} KB each" : ""));
    Console.WriteLine("    added   added KB  per activation  type");
    foreach (var (name, c, b) in added.OrderByDescending(t => t.Count).Take(70))
    {
        Console.WriteLine($"{c,9:N0} {b / 1e3,10:N0}  {(activations > 0 ? (double)c / activations : 0),14:0.00}  {name}");
    }
}
