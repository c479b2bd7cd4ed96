using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansMmo.Grains.Gateways;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// Counts delivery calls from grains and the frames they carry (Meter <c>OrleansMmo.Gateway.Delivery</c>),
/// and remembers, per source, its latest tick and how many calls arrived for it: the proof that a zone
/// sends one call per gateway per tick, however many of its players this gateway holds; and the way to
/// tell a call that arrived after a later tick's (Orleans hands each message a client receives to the
/// thread pool on its own, so two calls from one grain can run in either order).
/// </summary>
public sealed class DeliveryStats
{
    public const string MeterName = "OrleansMmo.Gateway.Delivery";

    private readonly ConcurrentDictionary<string, TickCount> _latest = new(StringComparer.Ordinal);
    private readonly Counter<long> _calls;
    private readonly Counter<long> _frames;
    private readonly Counter<long> _late;
    private long _lateCount;
    private long _mostCallsInOneTick;
    private long _callCount;
    private long _broadcastCalls;
    private long _broadcastFrames;

    public DeliveryStats(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("mmo.gateway.deliveries", "{call}", "Delivery calls received from grains");
        _frames = meter.CreateCounter<long>("mmo.gateway.delivered_frames", "{frame}", "Push frames received in delivery calls");
        _late = meter.CreateCounter<long>("mmo.gateway.late_deliveries", "{call}",
            "Delivery calls from a zone that arrived after a call of a later tick: their world updates are let go, and the zone sends those players whole views");
    }

    /// <summary>Delivery calls that arrived after a call of a later tick from the same source.</summary>
    public long LateCalls => Interlocked.Read(ref _lateCount);

    /// <summary>The most delivery calls seen for one (source, tick): 1 when batching works.</summary>
    public long MostCallsInOneTick => Interlocked.Read(ref _mostCallsInOneTick);

    public long Calls => Interlocked.Read(ref _callCount);

    /// <summary>Delivery calls that carried frames for every connection (world chat, announcements)...</summary>
    public long BroadcastCalls => Interlocked.Read(ref _broadcastCalls);

    /// <summary>...and those frames: more frames than calls when lines said together travel together.</summary>
    public long BroadcastFrames => Interlocked.Read(ref _broadcastFrames);

    /// <summary>
    /// Counts a delivery call before its frames go out: how many of them are for every connection, and whether it is
    /// late (its source already delivered a later tick here; its world updates would undo newer ones).
    /// </summary>
    public (int Broadcasts, bool Late) Record(PushBatch batch)
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
            return (broadcasts, false);
        }

        var count = _latest.AddOrUpdate(batch.Source, _ => new TickCount(batch.Tick, 1),
            (_, current) => batch.Tick > current.Tick ? new TickCount(batch.Tick, 1)
                : batch.Tick == current.Tick ? current with { Calls = current.Calls + 1 }
                : current);
        if (batch.Tick < count.Tick)
        {
            _late.Add(1);
            Interlocked.Increment(ref _lateCount);
            return (broadcasts, true);
        }

        long seen;
        while (count.Calls > (seen = Interlocked.Read(ref _mostCallsInOneTick)))
        {
            Interlocked.CompareExchange(ref _mostCallsInOneTick, count.Calls, seen);
        }

        return (broadcasts, false);
    }

    private readonly record struct TickCount(long Tick, long Calls);
}
