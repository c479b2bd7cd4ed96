using OrleansMmo.Grains.GameData;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>What an attack did: refused (nothing happened), or a hit, maybe a kill of a creature worth experience.</summary>
public readonly record struct AttackJudgement(
    AttackRefusal Refusal, TimeSpan RetryAfter, int Damage, uint TargetHealthPercent, bool Killed, CreatureTemplate? KilledCreature)
{
    public static AttackJudgement Refused(AttackRefusal refusal, TimeSpan retryAfter = default) => new(refusal, retryAfter, 0, 0, false, null);
}

/// <summary>
/// The creatures of one zone and the rules of combat in it: the AI server of the design, run on
/// the zone's tick. Plain C#: the zone grain passes the time in; tests drive it with their own.
/// </summary>
/// <remarks>
/// <para>Cost follows the players, not the creatures. A tick looks at (1) the creatures some player
/// saw on the previous tick (<see cref="ZoneView.Seen"/>) that stand idle, to check for players
/// within their aggro radius and now and then send one for a stroll; (2) the active ones: chasing,
/// walking home, strolling; (3) timers that are due (corpses to clear, respawns). A creature no
/// player sees and that has nothing to do is not touched, so a zone with nobody near its creatures
/// spends nothing on them. Creatures notice players only within the players' view radius, where
/// they are seen.</para>
/// <para>Movement uses the tick's elapsed time, capped at <see cref="MaxStep"/>, so a zone whose
/// timer stopped (no players) does not move its creatures by minutes when it starts again.</para>
/// </remarks>
public sealed class ZoneSimulation
{
    /// <summary>The longest time one step moves creatures by.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a dead creature lies (seen as dead) before it disappears, at most its respawn time.</summary>
    public static readonly TimeSpan CorpseTime = TimeSpan.FromSeconds(5);

    /// <summary>Chance per tick that an idle creature someone sees starts a stroll (about one every 5 s at 10 Hz).</summary>
    private const double WanderChance = 0.02;

    /// <summary>Walking home is faster than chasing, and strolling slower.</summary>
    private const float ReturnSpeedFactor = 1.5f, WanderSpeedFactor = 0.4f;

    /// <summary>A chaser stops this far inside its attack range, so a target's small step does not get it out.</summary>
    private const float ChaseStopFactor = 0.8f;

    /// <summary>Range checks forgive this much (metres), so positions rounded by clients are not refused.</summary>
    private const float RangeSlack = 0.25f;

    private ZoneDefinition _zone;
    private readonly Progression _progression;
    private readonly ZoneView _view;
    private readonly Func<uint> _nextId;
    private readonly Random _random;
    private readonly List<Creature> _active = [];
    private readonly List<ViewEntity> _near = [];
    private readonly PriorityQueue<Timer, TimeSpan> _timers = new();
    private TimeSpan _last;
    private bool _started;

    public ZoneSimulation(ZoneDefinition zone, Progression progression, ZoneView view, Func<uint> nextId, Random random)
    {
        _zone = zone;
        _progression = progression;
        _view = view;
        _nextId = nextId;
        _random = random;
    }

    /// <summary>Creatures alive or lying dead in the zone.</summary>
    public int Creatures { get; private set; }

    /// <summary>Creatures with something to do on every tick.</summary>
    public int Active => _active.Count;

    /// <summary>Creatures looked at by the last <see cref="Step"/> (idle ones seen, plus active ones).</summary>
    public int LastStepWork { get; private set; }

    public bool Pvp => _zone.Pvp;

    /// <summary>Puts every creature of the spawn points in the zone, spread within each point's radius.</summary>
    public void Spawn(IEnumerable<SpawnPoint> spawns)
    {
        foreach (var spawn in spawns)
        {
            for (var i = 0; i < spawn.Count; i++)
            {
                // Evenly round the point, at a random distance within the radius (uniform over the disc).
                var angle = (2 * Math.PI * i / spawn.Count) + (_random.NextDouble() * 0.5);
                var distance = spawn.Radius * Math.Sqrt(_random.NextDouble());
                var home = Clamp(new Position(
                    spawn.At.X + (float)(distance * Math.Cos(angle)),
                    spawn.At.Y + (float)(distance * Math.Sin(angle))));
                Add(new Creature(_nextId(), spawn.Creature, home));
            }
        }
    }

    /// <summary>After a live reload: the zone's new bounds and PvP rule apply from the next step.</summary>
    public void UseDefinition(ZoneDefinition zone) => _zone = zone;

    /// <summary>
    /// After a live reload changed the zone's spawn points or their creatures: every creature goes (those who
    /// saw one are told it left on the next tick), with its pending corpse and respawn timers, and the new
    /// spawn points are placed. Players keep what they have; a fight with a removed creature just ends.
    /// </summary>
    public void ReplaceCreatures(IEnumerable<SpawnPoint> spawns)
    {
        foreach (var creature in _view.Entities.OfType<Creature>().ToList())
        {
            _view.Remove(creature);
        }

        for (var i = _active.Count - 1; i >= 0; i--)
        {
            Deactivate(i);
        }

        _timers.Clear();
        Creatures = 0;
        Spawn(spawns);
    }

    /// <summary>Advances every creature with something to do to <paramref name="now"/>.</summary>
    public void Step(TimeSpan now)
    {
        var elapsed = _started ? now - _last : TimeSpan.Zero;
        _started = true;
        _last = now;
        var seconds = (float)Math.Clamp(elapsed.TotalSeconds, 0, MaxStep.TotalSeconds);

        while (_timers.TryPeek(out var timer, out var due) && due <= now)
        {
            _timers.Dequeue();
            Fire(timer, now);
        }

        var work = 0;
        foreach (var entity in _view.Seen)
        {
            if (entity is Creature { InZone: true, State: CreatureState.Idle or CreatureState.Wander } creature)
            {
                work++;
                Notice(creature);
            }
        }

        // Backwards: a creature that is done is swapped out with the last one.
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            var creature = _active[i];
            work++;
            if (!Act(creature, seconds, now))
            {
                Deactivate(i);
            }
        }

        LastStepWork = work;
    }

    /// <summary>
    /// A player's attack, checked as the server sees it: the attacker alive; the target there, told
    /// to the attacker's client, attackable, alive, within reach; the attacker's cooldown over.
    /// </summary>
    public AttackJudgement Attack(ZonePlayer attacker, uint targetId, TimeSpan now)
    {
        if (attacker.IsDead)
        {
            return AttackJudgement.Refused(AttackRefusal.AttackerDead);
        }

        if (!_view.TryGet(targetId, out var entity) || entity is not Combatant target)
        {
            return AttackJudgement.Refused(AttackRefusal.TargetNotFound);
        }

        if (ReferenceEquals(target, attacker)
            || (target is ZonePlayer && !_zone.Pvp)
            || target is Creature { State: CreatureState.Return })
        {
            return AttackJudgement.Refused(AttackRefusal.TargetNotAttackable);
        }

        if (!ZoneView.Knows(attacker, target))
        {
            return AttackJudgement.Refused(AttackRefusal.TargetNotVisible);
        }

        if (target.IsDead)
        {
            return AttackJudgement.Refused(AttackRefusal.TargetDead);
        }

        var reach = attacker.AttackRange + RangeSlack;
        if (attacker.Position.DistanceSquaredTo(target.Position) > reach * reach)
        {
            return AttackJudgement.Refused(AttackRefusal.OutOfRange);
        }

        if (now < attacker.NextAttackAt)
        {
            return AttackJudgement.Refused(AttackRefusal.Cooldown, attacker.NextAttackAt - now);
        }

        attacker.NextAttackAt = now + attacker.AttackCooldown;
        var killed = Strike(attacker, target, now);
        return new AttackJudgement(AttackRefusal.None, default, attacker.Damage, target.HealthPercent, killed,
            killed && target is Creature creature ? creature.Template : null);
    }

    /// <summary>A dead player rises at the zone's graveyard with full health; false (and nothing happens) if it is alive.</summary>
    public bool Respawn(ZonePlayer player)
    {
        if (!player.IsDead)
        {
            return false;
        }

        player.Revive();
        _view.Move(player, _zone.RespawnPoint);
        _view.MarkChanged(player, EntityChanges.Status);
        return true;
    }

    /// <summary>A player's new level: its health and damage follow, and those who see it are told.</summary>
    public void SetLevel(ZonePlayer player, int level)
    {
        player.SetLevel(level, _progression);
        _view.MarkChanged(player, EntityChanges.Status);
    }

    /// <summary>Notices players within its aggro radius (nearest living one first); otherwise maybe strolls.</summary>
    private void Notice(Creature creature)
    {
        var template = creature.Template;
        if (template.AggroRadius > 0)
        {
            _near.Clear();
            _view.QueryPlayers(creature.Position, template.AggroRadius, _near);
            ZonePlayer? nearest = null;
            var best = float.MaxValue;
            foreach (var entity in _near)
            {
                var player = (ZonePlayer)entity;
                var distance = player.Position.DistanceSquaredTo(creature.Position);
                if (!player.IsDead && distance < best)
                {
                    best = distance;
                    nearest = player;
                }
            }

            if (nearest is not null)
            {
                StartChase(creature, nearest);
                return;
            }
        }

        if (creature.State == CreatureState.Idle && template.WanderRadius > 0 && _random.NextDouble() < WanderChance)
        {
            var angle = _random.NextDouble() * 2 * Math.PI;
            var distance = template.WanderRadius * Math.Sqrt(_random.NextDouble());
            creature.WanderTo = Clamp(new Position(
                creature.Home.X + (float)(distance * Math.Cos(angle)),
                creature.Home.Y + (float)(distance * Math.Sin(angle))));
            creature.State = CreatureState.Wander;
            Activate(creature);
        }
    }

    /// <summary>One step of an active creature; false when it has nothing more to do.</summary>
    private bool Act(Creature creature, float seconds, TimeSpan now)
    {
        var template = creature.Template;
        switch (creature.State)
        {
            case CreatureState.Chase:
                var target = creature.Target;
                if (target is not { InZone: true, IsDead: false })
                {
                    StartReturn(creature);
                    return true;
                }

                if (creature.Position.DistanceSquaredTo(creature.Home) > template.LeashDistance * template.LeashDistance)
                {
                    StartReturn(creature);
                    return true;
                }

                var reach = template.AttackRange;
                if (creature.Position.DistanceSquaredTo(target.Position) <= reach * reach)
                {
                    if (now >= creature.NextAttackAt)
                    {
                        creature.NextAttackAt = now + template.AttackCooldown;
                        Strike(creature, target, now);
                    }
                }
                else
                {
                    WalkTowards(creature, target.Position, template.Speed * seconds, stopShortBy: reach * ChaseStopFactor);
                }

                return true;

            case CreatureState.Return:
                if (WalkTowards(creature, creature.Home, template.Speed * ReturnSpeedFactor * seconds, stopShortBy: 0))
                {
                    creature.State = CreatureState.Idle;
                    return false;
                }

                return true;

            case CreatureState.Wander:
                if (WalkTowards(creature, creature.WanderTo, template.Speed * WanderSpeedFactor * seconds, stopShortBy: 0))
                {
                    creature.State = CreatureState.Idle;
                    return false;
                }

                return true;

            default:
                return false;
        }
    }

    /// <summary>One hit of <paramref name="attacker"/> on <paramref name="target"/>; true if it killed.</summary>
    private bool Strike(Combatant attacker, Combatant target, TimeSpan now)
    {
        var damage = Math.Min(attacker.Damage, target.Health);
        target.Health -= damage;
        var killed = target.Health <= 0;
        _view.AddHit(target, new CombatHit(attacker.Id, target.Id, attacker.Damage, killed));
        if (target is Creature creature)
        {
            if (killed)
            {
                Die(creature, now);
            }
            else if (creature.State is CreatureState.Idle or CreatureState.Wander)
            {
                // Struck first: it fights back, whatever its aggro radius.
                StartChase(creature, attacker);
            }
        }

        return killed;
    }

    private void StartChase(Creature creature, Combatant target)
    {
        creature.State = CreatureState.Chase;
        creature.Target = target;
        Activate(creature);
    }

    /// <summary>Gives up: full health at once (a leash), and home, where it cannot be hit on the way.</summary>
    private void StartReturn(Creature creature)
    {
        creature.State = CreatureState.Return;
        creature.Target = null;
        if (creature.Health != creature.MaxHealth)
        {
            creature.HealFully();
            _view.MarkChanged(creature, EntityChanges.Status);
        }

        Activate(creature);
    }

    private void Die(Creature creature, TimeSpan now)
    {
        creature.State = CreatureState.Dead;
        creature.Target = null;
        var respawn = creature.Template.Respawn;
        _timers.Enqueue(new Timer(creature, Respawn: false), now + (respawn < CorpseTime ? respawn : CorpseTime));
        _timers.Enqueue(new Timer(creature, Respawn: true), now + respawn);
    }

    private void Fire(Timer timer, TimeSpan now)
    {
        var creature = timer.Creature;
        if (creature.InZone)
        {
            // The corpse goes; those who saw it are told it left.
            _view.Remove(creature);
            Creatures--;
        }

        if (timer.Respawn)
        {
            // A new entity at the same home: whoever sees it sees a new creature enter.
            Add(new Creature(_nextId(), creature.Template, creature.Home));
        }
    }

    /// <summary>Moves towards <paramref name="to"/> by at most <paramref name="step"/>; true once within <paramref name="stopShortBy"/> of it.</summary>
    private bool WalkTowards(Creature creature, Position to, float step, float stopShortBy)
    {
        var dx = to.X - creature.Position.X;
        var dy = to.Y - creature.Position.Y;
        var distance = MathF.Sqrt((dx * dx) + (dy * dy));
        var remaining = distance - stopShortBy;
        if (remaining <= 0.01f)
        {
            return true;
        }

        var move = MathF.Min(step, remaining);
        if (move <= 0)
        {
            return false;
        }

        _view.Move(creature, Clamp(new Position(creature.Position.X + (dx / distance * move), creature.Position.Y + (dy / distance * move))));
        return move >= remaining;
    }

    private void Add(Creature creature)
    {
        _view.Add(creature);
        Creatures++;
    }

    private void Activate(Creature creature)
    {
        if (!creature.Active)
        {
            creature.Active = true;
            _active.Add(creature);
        }
    }

    private void Deactivate(int index)
    {
        _active[index].Active = false;
        _active[index] = _active[^1];
        _active.RemoveAt(_active.Count - 1);
    }

    private Position Clamp(Position p) => new(Math.Clamp(p.X, 0, _zone.Width), Math.Clamp(p.Y, 0, _zone.Height));

    private readonly record struct Timer(Creature Creature, bool Respawn);
}
