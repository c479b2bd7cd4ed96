using OrleansMmo.Grains.GameData;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>What a creature is doing.</summary>
public enum CreatureState
{
    /// <summary>Standing at or near home; looks for players only while some player sees it.</summary>
    Idle,

    /// <summary>Strolling to a point near home.</summary>
    Wander,

    /// <summary>Going after its target, striking when in range.</summary>
    Chase,

    /// <summary>Gave up (too far from home, target gone or dead): walking home with full health, not to be hit.</summary>
    Return,

    Dead,
}

/// <summary>One creature of a spawn point: a template, a home, and what it is doing.</summary>
public sealed class Creature : Combatant
{
    public Creature(uint id, CreatureTemplate template, Position home)
        : base(id, EntityKind.Creature, home, observes: false)
    {
        Template = template;
        Home = home;
        Level = template.Level;
        MaxHealth = template.Health;
        Health = template.Health;
        Damage = template.Damage;
        AttackRange = template.AttackRange;
        AttackCooldown = template.AttackCooldown;
    }

    public CreatureTemplate Template { get; }

    /// <summary>Where it spawned and returns to.</summary>
    public Position Home { get; }

    public CreatureState State { get; internal set; }

    public Combatant? Target { get; internal set; }

    public Position WanderTo { get; internal set; }

    /// <summary>Whether it is in the simulation's list of creatures with something to do each tick.</summary>
    internal bool Active { get; set; }

    internal void HealFully() => Health = MaxHealth;

    public override void DescribeAppearance(Wire.EntityAppeared appeared)
    {
        DescribeCommon(appeared);
        appeared.Name = Template.Name;
        appeared.TemplateId = Template.Id;
    }
}
