// Every collection in a dotnet-trace file (--profile gc-collect): pause, promoted bytes, gen0 budget, heaps, and the
// time spent marking from each kind of root ("older" is the card table: old objects written with references to
// young ones since the last collection). A file-based app: dotnet run gc-pauses.cs -- TRACE.nettrace
#:package Microsoft.Diagnostics.Tracing.TraceEvent@3.2.8
#:property ManagePackageVersionsCentrally=false
using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Analysis;

using var source = new EventPipeEventSource(args[0]);
source.NeedLoadedDotNetRuntimes();
source.Process();
foreach (var process in source.Processes())
{
    var runtime = process.LoadedDotNetRuntime();
    if (runtime is null)
    {
        continue;
    }

    Console.WriteLine($"process {process.ProcessID}: {runtime.GC.GCs.Count} GCs");
    foreach (var gc in runtime.GC.GCs)
    {
        var marks = "";
        if (gc.PerHeapMarkTimes is { } perHeap)
        {
            // Summed over the heaps: stack, finalization queue, handles, older generations (cards).
            var sums = new double[4];
            foreach (var heap in perHeap.Values)
            {
                for (var i = 0; i < sums.Length && i < heap.MarkTimes.Length; i++)
                {
                    sums[i] += heap.MarkTimes[i];
                }
            }

            marks = string.Create(CultureInfo.InvariantCulture, $" mark stack {sums[0]:F1} fq {sums[1]:F1} handles {sums[2]:F1} older {sums[3]:F1}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{gc.StartRelativeMSec / 1000,8:F2}s gen{gc.Generation} {gc.Type,-16} pause {gc.PauseDurationMSec,7:F1} ms suspend {gc.SuspendDurationMSec,5:F1} promoted {gc.PromotedMB,6:F2} MB gen0 {gc.GenSizeBeforeMB[0],6:F1} heaps {gc.HeapCount} after {gc.HeapSizeAfterMB,6:F1} MB{marks}"));
    }
}
