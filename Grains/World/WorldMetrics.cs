using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansMmo.Grains.World;

/// <summary>The world's instruments, on Meter <c>OrleansMmo.World</c>. One per silo.</summary>
public sealed class WorldMetrics
{
    public const string MeterName = "OrleansMmo.World";

    private readonly ConcurrentDictionary<string, int> _playersByZone = new(StringComparer.Ordinal);

    public WorldMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Moves = meter.CreateCounter<long>("mmo.world.moves", "{move}", "Moves accepted by player grains");
        Corrections = meter.CreateCounter<long>("mmo.world.corrections", "{move}", "Moves rejected and corrected, by reason");
        ZoneTransfers = meter.CreateCounter<long>("mmo.world.zone_transfers", "{transfer}", "Characters moved through portals");
        ChatMessages = meter.CreateCounter<long>("mmo.world.chat_messages", "{message}", "Chat messages accepted, by channel");
        TickDuration = meter.CreateHistogram<double>("mmo.zone.tick.duration", "ms", "Time a zone tick takes to compute and send its updates");
        EntityUpdates = meter.CreateCounter<long>("mmo.zone.entity_updates", "{update}", "Entities entered, moved or left, summed over all recipients");
        Deliveries = meter.CreateCounter<long>("mmo.zone.deliveries", "{call}", "Delivery calls from zones to gateways");
        DeliveryFailures = meter.CreateCounter<long>("mmo.zone.delivery_failures", "{call}", "Delivery calls that failed or timed out");
        DroppedFrames = meter.CreateCounter<long>("mmo.zone.dropped_frames", "{frame}", "Frames not sent because a gateway had too many deliveries pending");
        meter.CreateObservableGauge("mmo.zone.players", ObservePlayers, "{player}", "Players in each zone on this silo");
    }

    public Counter<long> Moves { get; }
    public Counter<long> Corrections { get; }
    public Counter<long> ZoneTransfers { get; }
    public Counter<long> ChatMessages { get; }
    public Histogram<double> TickDuration { get; }
    public Counter<long> EntityUpdates { get; }
    public Counter<long> Deliveries { get; }
    public Counter<long> DeliveryFailures { get; }
    public Counter<long> DroppedFrames { get; }

    public void SetPlayers(string zoneId, int count)
    {
        if (count == 0)
        {
            _playersByZone.TryRemove(zoneId, out _);
        }
        else
        {
            _playersByZone[zoneId] = count;
        }
    }

    private IEnumerable<Measurement<int>> ObservePlayers()
    {
        foreach (var (zone, count) in _playersByZone)
        {
            yield return new Measurement<int>(count, new KeyValuePair<string, object?>("zone", zone));
        }
    }
}
