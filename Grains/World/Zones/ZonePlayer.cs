using OrleansMmo.Grains.GameData;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>A character in a zone: what others see of it, how it fights, and where its owner's connection is.</summary>
public sealed class ZonePlayer : Combatant
{
    public ZonePlayer(uint id, Guid characterId, string name, int level, Position position, PlayerSession session, Progression progression, int health = 0)
        : base(id, EntityKind.Player, position, observes: true)
    {
        CharacterId = characterId;
        CharacterIdText = characterId.ToString();
        Name = name;
        Session = session;
        AttackRange = progression.AttackRange;
        AttackCooldown = progression.AttackCooldown;
        SetLevel(level, progression);
        // Health carried over from the zone it came from (0: full).
        Health = health is > 0 ? Math.Min(health, MaxHealth) : MaxHealth;
    }

    public Guid CharacterId { get; }

    public string CharacterIdText { get; }

    public string Name { get; }

    /// <summary>The connection its updates go to; replaced when the character resumes elsewhere.</summary>
    public PlayerSession Session { get; set; }

    /// <summary>A new level: health and damage from the curve; a level-up heals fully (the dead stay dead).</summary>
    public void SetLevel(int level, Progression progression)
    {
        var stats = progression.Stats(level);
        Level = stats.Level;
        MaxHealth = stats.Health;
        Damage = stats.Damage;
        if (!IsDead)
        {
            Health = MaxHealth;
        }
    }

    /// <summary>Back to life with full health.</summary>
    internal void Revive() => Health = MaxHealth;

    public override void DescribeAppearance(Wire.EntityAppeared appeared)
    {
        DescribeCommon(appeared);
        appeared.CharacterId = CharacterIdText;
        appeared.Name = Name;
    }

    public override void DescribeSelf(Wire.SelfStatus status)
    {
        status.Level = (uint)Level;
        status.Health = (uint)Math.Max(0, Health);
        status.MaxHealth = (uint)MaxHealth;
        status.Dead = IsDead;
    }
}
