using OrleansMmo.Grains.World;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Handlers;

/// <summary>World records as wire messages.</summary>
internal static class WorldWire
{
    public static Wire.Vec2 ToWire(Position p) => new() { X = p.X, Y = p.Y };

    public static Position FromWire(Wire.Vec2? v) => v is null ? new Position(float.NaN, float.NaN) : new Position(v.X, v.Y);

    public static Wire.PlayerInfo ToWire(PlayerSnapshot player)
    {
        var info = new Wire.PlayerInfo
        {
            CharacterId = player.CharacterId.ToString(),
            Name = player.Name,
            Level = (uint)player.Level,
            Experience = (ulong)Math.Max(0, player.Experience),
            Gold = (ulong)Math.Max(0, player.Gold),
            ZoneId = player.ZoneId,
            Position = ToWire(player.Position),
        };
        foreach (var stack in player.Inventory)
        {
            info.Inventory.Add(new Wire.ItemStack { ItemId = stack.ItemId, Count = (uint)stack.Count });
        }

        return info;
    }

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
                Min = ToWire(portal.Min),
                Max = ToWire(portal.Max),
                TargetZoneId = portal.TargetZoneId,
            });
        }

        return new Wire.ZoneArrival { Zone = info, EntityId = arrival.EntityId, Position = ToWire(arrival.Position) };
    }

    public static Wire.AttackResponse ToWire(AttackOutcome result)
    {
        var response = new Wire.AttackResponse
        {
            Hit = result.Refusal == AttackRefusal.None,
            Refusal = (Wire.AttackRefusal)result.Refusal,
            RetryAfterMs = (uint)Math.Ceiling(result.RetryAfter.TotalMilliseconds),
            Damage = (uint)Math.Max(0, result.Damage),
            TargetHealthPercent = result.TargetHealthPercent,
            Killed = result.Killed,
            ExperienceGained = (ulong)Math.Max(0, result.ExperienceGained),
            Level = (uint)Math.Max(0, result.Level),
            Experience = (ulong)Math.Max(0, result.Experience),
            LeveledUp = result.LeveledUp,
        };
        if (result.Loot is { } loot)
        {
            response.Loot = new Wire.Loot { Gold = (ulong)Math.Max(0, loot.Gold) };
            foreach (var stack in loot.Items)
            {
                response.Loot.Items.Add(new Wire.ItemStack { ItemId = stack.ItemId, Count = (uint)stack.Count });
            }
        }

        return response;
    }
}
