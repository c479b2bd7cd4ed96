using Google.Protobuf;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World;

/// <summary>
/// Pushes a player grain sends itself (not through its zone): the Teleported notice. The gateway's
/// <c>WorldWire</c> converts the same records for responses; grains encode pushes themselves so that
/// gateways only frame and copy bytes. The two assemblies share no project that knows both the records and
/// the wire, so <see cref="ToWire"/> is written twice: keep it field for field the same as the gateway's.
/// </summary>
public static class ArrivalWire
{
    public static byte[] EncodeTeleported(ZoneArrival arrival) => new Wire.Teleported { Arrival = ToWire(arrival) }.ToByteArray();

    public static Wire.ZoneArrival ToWire(ZoneArrival arrival)
    {
        var zone = arrival.Zone;
        var info = new Wire.ZoneInfo
        {
            ZoneId = zone.ZoneId,
            Name = zone.Name,
            Width = zone.Width,
            Height = zone.Height,
            MaxSpeed = zone.MaxSpeed,
            ViewRadius = zone.ViewRadius,
            TickIntervalMs = (uint)zone.TickInterval.TotalMilliseconds,
            Pvp = zone.Pvp,
            AttackRange = zone.AttackRange,
            AttackCooldownMs = (uint)zone.AttackCooldown.TotalMilliseconds,
        };
        foreach (var portal in zone.Portals)
        {
            info.Portals.Add(new Wire.PortalInfo
            {
                PortalId = portal.PortalId,
                Min = new Wire.Vec2 { X = portal.Min.X, Y = portal.Min.Y },
                Max = new Wire.Vec2 { X = portal.Max.X, Y = portal.Max.Y },
                TargetZoneId = portal.TargetZoneId,
            });
        }

        return new Wire.ZoneArrival
        {
            Zone = info,
            EntityId = arrival.EntityId,
            Position = new Wire.Vec2 { X = arrival.Position.X, Y = arrival.Position.Y },
        };
    }
}
