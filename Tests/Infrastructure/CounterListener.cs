using System.Diagnostics.Metrics;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// Sums a counter's measurements from all instruments of that name (every silo's meter) while alive, or only those of
/// the meters one host's <see cref="IMeterFactory"/> made (the scope given): test classes run in parallel,
/// each with its own silo in this process.
/// </summary>
public sealed class CounterListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    public CounterListener(string meter, string instrument, IMeterFactory? scope = null)
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == meter && i.Name == instrument && (scope is null || ReferenceEquals(i.Meter.Scope, scope)))
            {
                l.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Dispose() => _listener.Dispose();
}
