using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// Counts delivery calls from grains and the frames they carry (Meter <c>OrleansMmo.Gateway.Delivery</c>),
/// and remembers, per source, how many calls arrived for its latest tick: the proof that a zone
/// sends one call per gateway per tick, however many of its players this gateway holds.
/// </summary>
public sealed class DeliveryStats
{
    public const string MeterName = "OrleansMmo.Gateway.Delivery";

    private readonly ConcurrentDictionary<string, TickCount> _latest = new(StringComparer.Ordinal);
    private readonly Counter<long> _calls;
    private readonly Counter<long> _frames;
    private long _mostCallsInOneTick;
    private long _callCount;
    private long _broadcastCalls;
    private long _broadcastFrames;

    public DeliveryStats(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("mmo.gateway.deliveries", "{call}", "Delivery calls received from grains");
        _frames = meter.CreateCounter<long>("mmo.gateway.delivered_frames", "{frame}", "Push frames received in delivery calls");
    }

    /// <summary>The most delivery calls seen for one (source, tick): 1 when batching works.</summary>
    public long MostCallsInOneTick => Interlocked.Read(ref _mostCallsInOneTick);

    public long Calls => Interlocked.Read(ref _callCount);

    /// <summary>Delivery calls that carried frames for every connection (world chat, announcements)...</summary>
    public long BroadcastCalls => Interlocked.Read(ref _broadcastCalls);

    /// <summary>...and those frames: more frames than calls when lines said together travel together.</summary>
    public long BroadcastFrames => Interlocked.Read(ref _broadcastFrames);

    /// <summary>Counts a delivery call before its frames go out; returns how many of them are for every connection.</summary>
    public int Record(PushBatch batch)
    {
        _calls.Add(1);
        _frames.Add(batch.Count);
        Interlocked.Increment(ref _callCount);
        var broadcasts = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch.ConnectionIds[i] == PushBatch.Everyone)
            {
                broadcasts++;
            }
        }

        if (broadcasts > 0)
        {
            Interlocked.Increment(ref _broadcastCalls);
            Interlocked.Add(ref _broadcastFrames, broadcasts);
        }

        if (batch.Tick == 0)
        {
            return broadcasts;
        }

        var count = _latest.AddOrUpdate(batch.Source, _ => new TickCount(batch.Tick, 1),
            (_, current) => current.Tick == batch.Tick ? current with { Calls = current.Calls + 1 } : new TickCount(batch.Tick, 1));
        long seen;
        while (count.Calls > (seen = Interlocked.Read(ref _mostCallsInOneTick)))
        {
            Interlocked.CompareExchange(ref _mostCallsInOneTick, count.Calls, seen);
        }

        return broadcasts;
    }

    private readonly record struct TickCount(long Tick, long Calls);
}
