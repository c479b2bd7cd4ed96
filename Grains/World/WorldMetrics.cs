using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansMmo.Grains.World;

/// <summary>The world's instruments, on Meter <c>OrleansMmo.World</c>. One per silo.</summary>
public sealed class WorldMetrics
{
    public const string MeterName = "OrleansMmo.World";

    private readonly ConcurrentDictionary<string, int> _playersByZone = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _creaturesByZone = new(StringComparer.Ordinal);

    public WorldMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Moves = meter.CreateCounter<long>("mmo.world.moves", "{move}", "Moves accepted by player grains");
        Corrections = meter.CreateCounter<long>("mmo.world.corrections", "{move}", "Moves rejected and corrected, by reason");
        ZoneTransfers = meter.CreateCounter<long>("mmo.world.zone_transfers", "{transfer}", "Characters moved through portals");
        ChatMessages = meter.CreateCounter<long>("mmo.world.chat_messages", "{message}", "Chat messages accepted, by channel");
        TickDuration = meter.CreateHistogram<double>("mmo.zone.tick.duration", "ms", "Time a zone tick takes to compute and send its updates");
        TickCpuTime = meter.CreateHistogram<double>("mmo.zone.tick.cpu_time", "ms", "CPU time a zone tick's thread used (Linux); the rest of its duration it waited for a core");
        EntityUpdates = meter.CreateCounter<long>("mmo.zone.entity_updates", "{update}", "Entities entered, moved or left, summed over all recipients");
        Deliveries = meter.CreateCounter<long>("mmo.zone.deliveries", "{call}", "Delivery calls from zones to gateways");
        DeliveryFailures = meter.CreateCounter<long>("mmo.zone.delivery_failures", "{call}", "Delivery calls that failed or timed out");
        DroppedFrames = meter.CreateCounter<long>("mmo.zone.dropped_frames", "{frame}", "Frames not sent because a gateway had too many deliveries pending");
        meter.CreateObservableGauge("mmo.zone.players", () => Observe(_playersByZone), "{player}", "Players in each zone instance (world, zone) on this silo");
        Attacks = meter.CreateCounter<long>("mmo.world.attacks", "{attack}", "Player attacks that hit");
        Kills = meter.CreateCounter<long>("mmo.world.kills", "{kill}", "Creatures killed by players");
        LevelUps = meter.CreateCounter<long>("mmo.world.level_ups", "{level}", "Levels reached by characters");
        ItemsUsed = meter.CreateCounter<long>("mmo.economy.items_used", "{item}", "Items used by characters");
        ItemsDropped = meter.CreateCounter<long>("mmo.economy.items_dropped", "{item}", "Items dropped (destroyed) by characters");
        Trades = meter.CreateCounter<long>("mmo.economy.trades", "{trade}", "Trades ended, by outcome (completed, or the cancel reason)");
        CreatureStepDuration = meter.CreateHistogram<double>("mmo.zone.creature_step.duration", "ms", "Part of a zone tick spent simulating creatures");
        CreaturesSimulated = meter.CreateCounter<long>("mmo.zone.creatures_simulated", "{creature}", "Creatures looked at by zone ticks (idle ones seen by players, and active ones)");
        meter.CreateObservableGauge("mmo.zone.creatures", () => Observe(_creaturesByZone), "{creature}", "Creatures (alive or lying dead) in each zone instance (world, zone) on this silo");
    }

    public Counter<long> Moves { get; }
    public Counter<long> Corrections { get; }
    public Counter<long> ZoneTransfers { get; }
    public Counter<long> ChatMessages { get; }
    public Histogram<double> TickDuration { get; }
    public Histogram<double> TickCpuTime { get; }
    public Counter<long> EntityUpdates { get; }
    public Counter<long> Deliveries { get; }
    public Counter<long> DeliveryFailures { get; }
    public Counter<long> DroppedFrames { get; }
    public Counter<long> Attacks { get; }
    public Counter<long> Kills { get; }
    public Counter<long> LevelUps { get; }
    public Counter<long> ItemsUsed { get; }
    public Counter<long> ItemsDropped { get; }
    public Counter<long> Trades { get; }
    public Histogram<double> CreatureStepDuration { get; }
    public Counter<long> CreaturesSimulated { get; }

    /// <summary>Players in one zone instance; <paramref name="zoneKey"/> is its grain key (<c>world/zone</c>, see <see cref="ZoneKeys"/>).</summary>
    public void SetPlayers(string zoneKey, int count) => Set(_playersByZone, zoneKey, count);

    /// <summary>Creatures in one zone instance; <paramref name="zoneKey"/> is its grain key (<c>world/zone</c>).</summary>
    public void SetCreatures(string zoneKey, int count) => Set(_creaturesByZone, zoneKey, count);

    private static void Set(ConcurrentDictionary<string, int> byZone, string zoneKey, int count)
    {
        if (count == 0)
        {
            byZone.TryRemove(zoneKey, out _);
        }
        else
        {
            byZone[zoneKey] = count;
        }
    }

    private static IEnumerable<Measurement<int>> Observe(ConcurrentDictionary<string, int> byZone)
    {
        // Every world has its own instance of each zone: tagged by both, so two worlds' "plains" stay apart.
        foreach (var (key, count) in byZone)
        {
            var (world, zone) = ZoneKeys.Parse(key, defaultWorld: "");
            yield return new Measurement<int>(count, new KeyValuePair<string, object?>("world", world), new KeyValuePair<string, object?>("zone", zone));
        }
    }
}
