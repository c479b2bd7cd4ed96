using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.World;
using OrleansMmo.Grains.World.Zones;

namespace OrleansMmo.Tests.World;

/// <summary>
/// Creatures and the rules of combat on their own (no silo, no sockets), with a clock the test
/// moves: a 1,000 m arena with PvP, graveyard at (300, 300), view radius 60 m, ticks of 100 ms.
/// </summary>
[Trait("Category", "Unit")]
public class ZoneSimulationTests
{
    private static readonly Progression Curve = new(
        [new LevelDefinition(1, 0, 100, 10), new LevelDefinition(2, 100, 150, 15)], AttackRange: 5, AttackCooldown: TimeSpan.FromSeconds(1));

    private static readonly CreatureTemplate Dummy = new("dummy", "Dummy", 1, 30, 0, 2, TimeSpan.FromSeconds(1), 1, 0, 10, 0, TimeSpan.FromSeconds(10), 100, null);
    private static readonly CreatureTemplate Wolf = new("wolf", "Wolf", 2, 1000, 5, 2, TimeSpan.FromSeconds(0.5), 20, 15, 30, 0, TimeSpan.FromSeconds(5), 10, null);
    private static readonly CreatureTemplate Brute = new("brute", "Brute", 2, 1000, 60, 3, TimeSpan.FromSeconds(0.2), 30, 10, 100, 0, TimeSpan.FromSeconds(5), 10, null);

    private readonly ZoneView _view = new(viewRadius: 60, cellSize: 60, maxVisible: 100);
    private readonly ViewChanges _changes = new();
    private readonly List<CombatHit> _hitsOnPlayers = [];
    private readonly ZoneSimulation _sim;
    private TimeSpan _now = TimeSpan.FromSeconds(1);
    private uint _lastId;

    public ZoneSimulationTests() => _sim = NewSimulation(pvp: true);

    [Fact]
    public void CreaturesNoPlayerSeesAreNotTouched()
    {
        _sim.Spawn([new SpawnPoint("arena", Wolf, new Position(500, 500), 200, 100)]);
        var before = Creatures().Select(c => c.Position).ToList();

        for (var i = 0; i < 50; i++)
        {
            Tick();
            Assert.Equal(0, _sim.LastStepWork);
        }

        Assert.Equal(200, _sim.Creatures);
        Assert.Equal(0, _sim.Active);
        Assert.Equal(before, Creatures().Select(c => c.Position));
    }

    [Fact]
    public void ACreatureNoticesAPlayerWithinItsAggroRadiusChasesItAndStrikes()
    {
        var wolf = SpawnOne(Wolf, 500, 580);
        var far = AddPlayer(500, 600);  // 20 m: seen, but beyond the wolf's 15 m
        TickFor(TimeSpan.FromSeconds(1));
        Assert.Equal(CreatureState.Idle, wolf.State);

        var near = AddPlayer(500, 568);  // 12 m
        TickFor(TimeSpan.FromSeconds(1));
        Assert.Equal(CreatureState.Chase, wolf.State);
        Assert.Same(near, wolf.Target);
        Assert.True(wolf.Position.DistanceSquaredTo(near.Position) <= 2 * 2, $"the wolf stands at {wolf.Position}");
        Assert.Equal(100, far.Health);
        Assert.True(near.Health < 100);
        Assert.Contains(_hitsOnPlayers, h => h.AttackerId == wolf.Id && h.TargetId == near.Id && h.Damage == 5);
    }

    [Fact]
    public void ACreatureLedTooFarFromHomeGoesBackWithFullHealthAndCannotBeHitOnTheWay()
    {
        var wolf = SpawnOne(Wolf, 500, 580);
        var player = AddPlayer(500, 568);
        TickFor(TimeSpan.FromSeconds(1));
        _now += TimeSpan.FromSeconds(1);
        Assert.True(_sim.Attack(player, wolf.Id, _now).Refusal == AttackRefusal.None);
        Assert.Equal(990, wolf.Health);

        // The player runs off south; 30 m from home the wolf gives up.
        _view.Move(player, new Position(500, 480));
        TickUntil(() => wolf.State == CreatureState.Return, "the wolf to give up");
        Assert.Equal(1000, wolf.Health);
        Assert.InRange(MathF.Sqrt(wolf.Position.DistanceSquaredTo(wolf.Home)), 29, 33);
        _view.Move(player, new Position(500, 540));
        TickOnce();
        _now += TimeSpan.FromSeconds(2);
        var refused = _sim.Attack(player, wolf.Id, _now);
        Assert.Equal(AttackRefusal.TargetNotAttackable, refused.Refusal);

        TickUntil(() => wolf.State == CreatureState.Idle, "the wolf to be home");
        Assert.Equal(wolf.Home, wolf.Position);
    }

    [Fact]
    public void AKilledCreatureLiesDeadThenGoesAndANewOneRisesAtItsHomeAfterTheDelay()
    {
        var dummy = SpawnOne(Dummy, 503, 500);
        var player = AddPlayer(500, 500);
        TickOnce();

        AttackJudgement outcome = default;
        for (var i = 0; i < 3; i++)
        {
            _now += TimeSpan.FromSeconds(1);
            outcome = _sim.Attack(player, dummy.Id, _now);
            Assert.Equal(AttackRefusal.None, outcome.Refusal);
        }

        Assert.True(outcome.Killed);
        Assert.Same(Dummy, outcome.KilledCreature);
        Assert.True(dummy.IsDead);
        Assert.Equal(0u, dummy.HealthPercent);
        var died = _now;

        TickFor(ZoneSimulation.CorpseTime - TimeSpan.FromMilliseconds(200));
        Assert.True(dummy.InZone);
        TickFor(TimeSpan.FromMilliseconds(400));
        Assert.False(dummy.InZone);
        Assert.Empty(Creatures());

        TickUntil(() => Creatures().Any(), "the respawn");
        Assert.True(_now - died >= Dummy.Respawn);
        var risen = Assert.Single(Creatures());
        Assert.NotEqual(dummy.Id, risen.Id);
        Assert.Equal(dummy.Home, risen.Position);
        Assert.Equal(30, risen.Health);
    }

    [Fact]
    public void AttacksTheServerCannotConfirmAreRefusedAndChangeNothing()
    {
        var dummy = SpawnOne(Dummy, 503, 500);
        var hidden = SpawnOne(Dummy, 900, 900);
        var player = AddPlayer(500, 500);
        var other = AddPlayer(502, 500);
        TickOnce();

        Assert.Equal(AttackRefusal.TargetNotFound, _sim.Attack(player, 99_999, _now).Refusal);
        Assert.Equal(AttackRefusal.TargetNotVisible, _sim.Attack(player, hidden.Id, _now).Refusal);
        Assert.Equal(AttackRefusal.TargetNotAttackable, _sim.Attack(player, player.Id, _now).Refusal);
        _view.Move(player, new Position(490, 500));
        Assert.Equal(AttackRefusal.OutOfRange, _sim.Attack(player, dummy.Id, _now).Refusal);
        _view.Move(player, new Position(500, 500));
        Assert.Equal(AttackRefusal.None, _sim.Attack(player, dummy.Id, _now).Refusal);
        var cooldown = _sim.Attack(player, dummy.Id, _now + TimeSpan.FromMilliseconds(400));
        Assert.Equal(AttackRefusal.Cooldown, cooldown.Refusal);
        Assert.Equal(TimeSpan.FromMilliseconds(600), cooldown.RetryAfter);
        Assert.Equal(20, dummy.Health);
        Assert.Equal(30, hidden.Health);

        // Without PvP, players cannot hit each other; with it they can.
        var peaceful = NewSimulation(pvp: false);
        Assert.Equal(AttackRefusal.TargetNotAttackable, peaceful.Attack(player, other.Id, _now + TimeSpan.FromSeconds(5)).Refusal);
        Assert.Equal(AttackRefusal.None, _sim.Attack(player, other.Id, _now + TimeSpan.FromSeconds(5)).Refusal);
        Assert.Equal(90, other.Health);
    }

    [Fact]
    public void ADeadPlayerCannotAttackAndRisesAtTheGraveyardWithFullHealth()
    {
        var brute = SpawnOne(Brute, 420, 500);
        var dummy = SpawnOne(Dummy, 425, 520);
        var player = AddPlayer(428, 500);
        TickUntil(() => player.IsDead, "the brute to kill the player");
        Assert.Contains(_hitsOnPlayers, h => h.TargetId == player.Id && h.Killed);

        Assert.Equal(AttackRefusal.AttackerDead, _sim.Attack(player, dummy.Id, _now + TimeSpan.FromSeconds(5)).Refusal);
        TickUntil(() => brute.State == CreatureState.Idle, "the brute to go home");

        Assert.True(_sim.Respawn(player));
        Assert.Equal(new Position(300, 300), player.Position);
        Assert.Equal(100, player.Health);
        Assert.False(_sim.Respawn(player));
    }

    [Fact]
    public void ALevelRaisesHealthAndDamageAndHealsFully()
    {
        var player = AddPlayer(500, 500);
        var rival = AddPlayer(502, 500);
        TickOnce();
        Assert.Equal(AttackRefusal.None, _sim.Attack(rival, player.Id, _now).Refusal);
        Assert.Equal(90, player.Health);

        _sim.SetLevel(player, 2);

        Assert.Equal((2, 150, 150, 15), (player.Level, player.Health, player.MaxHealth, player.Damage));
        Assert.True((player.Changes & EntityChanges.Status) != 0);
        Assert.Equal(1, Curve.LevelFor(99));
        Assert.Equal(2, Curve.LevelFor(100));
        Assert.Equal(2, Curve.LevelFor(1_000_000));
    }

    private ZoneSimulation NewSimulation(bool pvp) =>
        new(new ZoneDefinition("arena", "Arena", 1000, 1000, new Position(500, 500), [], pvp, new Position(300, 300)),
            Curve, _view, () => ++_lastId, new Random(7));

    private Creature SpawnOne(CreatureTemplate template, float x, float y)
    {
        _sim.Spawn([new SpawnPoint("arena", template, new Position(x, y), 1, 0)]);
        return Creatures().Single(c => c.Template == template && c.Home == new Position(x, y));
    }

    private ZonePlayer AddPlayer(float x, float y)
    {
        var session = new PlayerSession(Guid.NewGuid(), "gw", 1, null!);
        var player = new ZonePlayer(++_lastId, Guid.NewGuid(), $"p{_lastId}", 1, new Position(x, y), session, Curve);
        _view.Add(player);
        return player;
    }

    private IEnumerable<Creature> Creatures()
    {
        var all = new List<ViewEntity>();
        _view.QueryCreatures(new Position(500, 500), 2000, all);
        return all.Cast<Creature>();
    }

    /// <summary>One zone tick: creatures, then every player's view, as the zone grain does it.</summary>
    private void Tick()
    {
        _now += TimeSpan.FromMilliseconds(100);
        TickOnce();
    }

    private void TickOnce()
    {
        _sim.Step(_now);
        _view.BeginTick();
        foreach (var observer in _view.Observers)
        {
            _view.Compute(observer, _changes);
            _hitsOnPlayers.AddRange(observer.Hits);
        }

        _view.EndTick();
    }

    private void TickFor(TimeSpan span)
    {
        var end = _now + span;
        while (_now < end)
        {
            Tick();
        }
    }

    private void TickUntil(Func<bool> condition, string what)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            Tick();
        }

        Assert.True(condition(), $"after 100 s of ticks, still waiting for {what}");
    }
}
