using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>An entity that fights: players and creatures. Health lives here, in its zone, not in storage.</summary>
public abstract class Combatant(uint id, EntityKind kind, Position position, bool observes)
    : ViewEntity(id, kind, position, observes)
{
    public int Level { get; protected set; }

    public int Health { get; internal set; }

    public int MaxHealth { get; protected set; }

    /// <summary>Damage of one of its hits.</summary>
    public int Damage { get; protected set; }

    /// <summary>Metres within which its hits reach.</summary>
    public float AttackRange { get; protected set; }

    public TimeSpan AttackCooldown { get; protected set; }

    /// <summary>Zone time before which it may not strike again.</summary>
    public TimeSpan NextAttackAt { get; internal set; }

    public bool IsDead => Health <= 0;

    /// <summary>1-100 while alive (a scratch never shows as 0), 0 when dead.</summary>
    public uint HealthPercent => IsDead ? 0 : (uint)Math.Clamp((int)Math.Ceiling(100.0 * Health / MaxHealth), 1, 100);

    public override void DescribeStatus(Wire.EntityStatus status)
    {
        status.Level = (uint)Level;
        status.HealthPercent = HealthPercent;
        status.Dead = IsDead;
    }

    protected void DescribeCommon(Wire.EntityAppeared appeared)
    {
        appeared.Kind = (Wire.EntityKind)Kind;
        appeared.Level = (uint)Level;
        appeared.HealthPercent = HealthPercent;
        appeared.Dead = IsDead;
    }
}
