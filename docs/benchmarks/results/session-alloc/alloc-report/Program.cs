using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// alloc-report FILE.nettrace [top] [frames]: AllocationTick events (one per ~100 KB allocated) summed by type, and by
// the first frames of their stacks that are not runtime/BCL plumbing, so the shares read as "who allocates".
var file = args[0];
var top = args.Length > 1 ? int.Parse(args[1]) : 40;
var depth = args.Length > 2 ? int.Parse(args[2]) : 12;
var etlx = TraceLog.CreateFromEventPipeDataFile(file);
using var log = new TraceLog(etlx);
var byType = new Dictionary<string, long>();
var byStack = new Dictionary<string, long>();
var byFrame = new Dictionary<string, long>();
var byOurs = new Dictionary<string, long>();
var byLib = new Dictionary<string, long>();
string[] categories = [.. (Environment.GetEnvironmentVariable("CATS") ?? "").Split(",", StringSplitOptions.RemoveEmptyEntries), "FindPrefixedParameter", "Microsoft.Data.Sqlite", "SqliteGameDataSource", "Orleans.Persistence.AdoNet", "Orleans.Storage.AdoNetGrainStorage", "OrleansMmo.Silo.Storage.Operations", "Orleans.Serialization", "Dashboard", "Orleans.Runtime.Catalog", "ActivateAsync", "OnStart", "Microsoft.Extensions.Logging", "Protobuf", "Npgsql"];
var byCat = new Dictionary<string, long>();
long total = 0;
foreach (var e in log.Events)
{
    if (e is not GCAllocationTickTraceData tick) continue;
    var bytes = tick.AllocationAmount64;
    total += bytes;
    byType[tick.TypeName] = byType.GetValueOrDefault(tick.TypeName) + bytes;
    var frames = new List<string>();
    var seen = new HashSet<string>();
    for (var s = e.CallStack(); s != null; s = s.Caller)
    {
        var name = s.CodeAddress.FullMethodName;
        if (string.IsNullOrEmpty(name)) name = "?" + s.CodeAddress.ModuleName;
        frames.Add(name);
        if (seen.Add(name)) byFrame[name] = byFrame.GetValueOrDefault(name) + bytes;
    }
    var ours = frames.FirstOrDefault(f => f.StartsWith("OrleansMmo.", StringComparison.Ordinal)) ?? "(none of ours)";
    byOurs[ours] = byOurs.GetValueOrDefault(ours) + bytes;
    var lib = frames.FirstOrDefault(f => !f.StartsWith("System.", StringComparison.Ordinal) && !f.StartsWith("?", StringComparison.Ordinal)) ?? "(only System)";
    lib = lib.Split('(')[0];
    byLib[lib] = byLib.GetValueOrDefault(lib) + bytes;
    foreach (var c in categories) if (frames.Any(f => f.Split('(')[0].Contains(c, StringComparison.Ordinal))) byCat[c] = byCat.GetValueOrDefault(c) + bytes;
    var focus = Environment.GetEnvironmentVariable("FOCUS");
    if (focus is not null && !frames.Any(f => f.Contains(focus, StringComparison.Ordinal))) continue;
    var key = tick.TypeName + "\n      " + string.Join("\n      ", frames.Take(depth));
    byStack[key] = byStack.GetValueOrDefault(key) + bytes;
}
Console.WriteLine($"total sampled: {total / 1048576.0:0.0} MiB");
Console.WriteLine("== by type");
foreach (var (k, v) in byType.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{v * 100.0 / total,6:0.0}%  {v / 1048576.0,8:0.0} MiB  {k}");
Console.WriteLine("== categories (any frame contains)");
foreach (var (k, v) in byCat.OrderByDescending(p => p.Value)) Console.WriteLine($"{v * 100.0 / total,6:0.0}%  {k}");
Console.WriteLine("== by nearest OrleansMmo frame");
foreach (var (k, v) in byOurs.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{v * 100.0 / total,6:0.0}%  {k}");
Console.WriteLine("== by nearest non-System frame (the allocating library method)");
foreach (var (k, v) in byLib.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{v * 100.0 / total,6:0.0}%  {k}");
Console.WriteLine("== inclusive by frame");
foreach (var (k, v) in byFrame.OrderByDescending(p => p.Value).Take(top * 4)) Console.WriteLine($"{v * 100.0 / total,6:0.0}%  {k}");
Console.WriteLine("== by stack");
foreach (var (k, v) in byStack.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{v * 100.0 / total,6:0.0}%  {k}");
