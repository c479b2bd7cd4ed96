using OrleansMmo.Grains.World;
using OrleansMmo.Grains.World.Zones;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.World;

/// <summary>
/// Who sees whom, on its own (no silo, no sockets): view radius 15 m, cells of 10 m, at most 100 in
/// a view unless said. Players observe; creatures are seen but see nothing.
/// </summary>
[Trait("Category", "Unit")]
public class ZoneViewTests
{
    private const float Radius = 15, Cell = 10;
    private readonly ZoneView _view = new(Radius, Cell, maxVisible: 100);
    private readonly ViewChanges _changes = new();
    private uint _nextId;

    [Fact]
    public void AnObserverIsToldWhoEntersMovesWithinAndLeavesItsView()
    {
        var watcher = Player(100, 100);
        var walker = Player(110, 100);

        Tick(watcher);
        Assert.Equal([walker], _changes.Entered);
        Assert.False(_changes.Full);

        _view.Move(walker, new Position(105, 100));
        Assert.Equal(EntityChanges.Moved, walker.Changes);
        Tick(watcher);
        Assert.Empty(_changes.Entered);
        Assert.Equal([walker], _changes.Updated);
        Assert.Equal(EntityChanges.None, walker.Changes);

        // Nothing changed: nothing to tell.
        Tick(watcher);
        Assert.True(_changes.IsEmpty);

        _view.Move(walker, new Position(100 + Radius + 0.01f, 100));
        Tick(watcher);
        Assert.Equal([walker.Id], _changes.Left);

        _view.Move(walker, new Position(100, 100 - Radius));
        Tick(watcher);
        Assert.Equal([walker], _changes.Entered);

        Assert.True(_view.Remove(walker));
        Tick(watcher);
        Assert.Equal([walker.Id], _changes.Left);
        Assert.False(_view.Remove(walker));
    }

    [Fact]
    public void EachObserverHasItsOwnViewAndDoesNotSeeItself()
    {
        var a = Player(0, 0);
        var b = Player(10, 0);
        var c = Player(25, 0);

        Assert.Equal([b], Tick(a).Entered);
        Assert.Equal([a, c], Tick(b).Entered.OrderBy(e => e.Id));
        Assert.Equal([b], Tick(c).Entered);
    }

    [Fact]
    public void CreaturesAreSeenByPlayersButHaveNoViewAndAreListedAsSeenOncePerTick()
    {
        var wolf = Creature(105, 100);
        var far = Creature(500, 500);
        var a = Player(100, 100);
        var b = Player(110, 100);

        _view.BeginTick();
        _view.Compute(a, _changes);
        Assert.Equal([b, wolf], _changes.Entered.OrderBy(e => e.Kind).ThenBy(e => e.Id));
        _view.Compute(b, _changes);
        _view.EndTick();
        Assert.Equal([wolf], _view.Seen);
        Assert.Equal([a, b], _view.Observers.OrderBy(e => e.Id));
        Assert.Throws<ArgumentException>(() => _view.Compute(wolf, _changes));

        var players = new List<ViewEntity>();
        _view.QueryPlayers(wolf.Position, 20, players);
        Assert.Equal([a, b], players.OrderBy(e => e.Id));
        var creatures = new List<ViewEntity>();
        _view.QueryCreatures(new Position(500, 500), 1, creatures);
        Assert.Equal([far], creatures);

        // Next tick, nobody near the far one: it is never seen, so a zone spends nothing on it.
        _view.BeginTick();
        Assert.Empty(_view.Seen);
    }

    [Fact]
    public void ForgettingAnObserversViewMakesItsNextUpdateWholeAndMarkedFull()
    {
        var watcher = Player(0, 0);
        var near = Player(5, 0);
        var leaving = Player(0, 5);
        Tick(watcher);
        Assert.True(ZoneView.Knows(watcher, near));

        _view.Forget(watcher);
        _view.Remove(leaving);
        Tick(watcher);

        // The client replaces its picture: the one that left is simply not in it, no "left" needed.
        Assert.True(_changes.Full);
        Assert.Equal([near], _changes.Entered);
        Assert.Empty(_changes.Left);

        // Even an empty view is sent whole when it was forgotten, so the client clears its picture.
        var alone = Player(1000, 1000);
        Tick(alone);
        _view.Forget(alone);
        Tick(alone);
        Assert.True(_changes.Full);
        Assert.False(_changes.IsEmpty);
        Assert.Equal(0, _changes.Count);
    }

    [Fact]
    public void ACrowdIsCappedAndThoseAlreadyInViewKeepTheirPlace()
    {
        var view = new ZoneView(Radius, Cell, maxVisible: 2);
        var viewer = Player(view, 0, 0);
        var first = Player(view, 10, 0);
        var second = Player(view, 0, 10);
        Tick(view, viewer);
        Assert.Equal(2, _changes.Entered.Count);

        // A third, closer than both, does not push out those already known.
        var third = Player(view, 1, 0);
        view.Move(first, new Position(9, 0));
        Tick(view, viewer);
        Assert.Empty(_changes.Entered);
        Assert.Equal([first], _changes.Updated);
        Assert.False(ZoneView.Knows(viewer, third));

        // When one goes, the free place goes to the nearest stranger.
        view.Remove(second);
        var fourth = Player(view, 3, 0);
        Tick(view, viewer);
        Assert.Equal([second.Id], _changes.Left);
        Assert.Equal([third], _changes.Entered);
        Assert.False(ZoneView.Knows(viewer, fourth));
    }

    [Fact]
    public void AFullViewWhoseMemberWalksOutOfRangeGivesItsPlaceToTheNearestStranger()
    {
        var view = new ZoneView(Radius, Cell, maxVisible: 2);
        var viewer = Player(view, 0, 0);
        var first = Player(view, 10, 0);
        var second = Player(view, 0, 10);
        Tick(view, viewer);
        var far = Player(view, 5, 5);
        var near = Player(view, 1, 1);

        // Full and everyone still in range: nothing changes, though strangers are nearer.
        Tick(view, viewer);
        Assert.True(_changes.IsEmpty);

        view.Move(second, new Position(0, Radius + 1));
        Tick(view, viewer);
        Assert.Equal([second.Id], _changes.Left);
        Assert.Equal([near], _changes.Entered);
        Assert.True(ZoneView.Knows(viewer, first));
        Assert.False(ZoneView.Knows(viewer, far));
    }

    [Fact]
    public void CreaturesInRangeAreSeenEvenWhenTheViewIsFullOfPlayers()
    {
        var view = new ZoneView(Radius, Cell, maxVisible: 2);
        var viewer = Player(view, 0, 0);
        Player(view, 3, 0);
        Player(view, 0, 3);
        Tick(view, viewer);
        var creature = Add(view, new TestEntity(++_nextId, EntityKind.Creature, new Position(1, 0)));

        Tick(view, viewer);

        Assert.Contains(creature, view.Seen);
        Assert.Empty(_changes.Entered);
        Assert.False(ZoneView.Knows(viewer, creature));
    }

    [Fact]
    public void PlacesKeptForCreaturesLetACreatureIntoAViewFullOfPlayersAndGoBackToPlayersWhenItLeaves()
    {
        var view = new ZoneView(Radius, Cell, maxVisible: 3, creaturePlaces: 1);
        var viewer = Player(view, 0, 0);
        var players = new[] { Player(view, 3, 0), Player(view, 0, 3), Player(view, 4, 0), Player(view, 0, 4) };
        // No creature in range: the players take every place.
        Tick(view, viewer);
        Assert.Equal(3, _changes.Entered.Count);
        Assert.All(_changes.Entered, e => Assert.Equal(EntityKind.Player, e.Kind));

        // A creature arrives farther than every player: it gets its kept place, one known player gives way.
        var creature = Add(view, new TestEntity(++_nextId, EntityKind.Creature, new Position(10, 0)));
        Tick(view, viewer);
        Assert.Equal([creature], _changes.Entered);
        Assert.Single(_changes.Left);
        Assert.True(ZoneView.Knows(viewer, creature));
        Assert.Equal(2, players.Count(p => ZoneView.Knows(viewer, p)));

        // Full and stable: nothing changes while it stays.
        Tick(view, viewer);
        Assert.True(_changes.IsEmpty);

        // A second creature gets no place: one is kept, and the players hold the rest.
        var second = Add(view, new TestEntity(++_nextId, EntityKind.Creature, new Position(0, 10)));
        Tick(view, viewer);
        Assert.True(_changes.IsEmpty);
        Assert.False(ZoneView.Knows(viewer, second));

        // Both creatures go: the freed place goes back to the nearest player stranger.
        view.Remove(creature);
        view.Remove(second);
        Tick(view, viewer);
        Assert.Equal([creature.Id], _changes.Left);
        Assert.Single(_changes.Entered);
        Assert.Equal(3, players.Count(p => ZoneView.Knows(viewer, p)));
    }

    [Fact]
    public void CreaturesTakeThePlacesPlayersLeaveFreeBeyondTheirKeptOnes()
    {
        var view = new ZoneView(Radius, Cell, maxVisible: 3, creaturePlaces: 1);
        var viewer = Player(view, 0, 0);
        var player = Player(view, 1, 0);
        var creatures = Enumerable.Range(0, 4).Select(i => Add(view, new TestEntity(++_nextId, EntityKind.Creature, new Position(2 + i, 0)))).ToList();

        Tick(view, viewer);

        Assert.True(ZoneView.Knows(viewer, player));
        Assert.Equal(2, creatures.Count(c => ZoneView.Knows(viewer, c)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZoneView(Radius, Cell, maxVisible: 3, creaturePlaces: 3));
    }

    [Fact]
    public void ARemovedObserverNoLongerObservesAndAnEntityCannotBeAddedTwice()
    {
        var a = Player(0, 0);
        var b = Player(1, 0);
        _view.Remove(a);

        Assert.Equal([b], _view.Observers);
        Assert.Empty(Tick(b).Entered);
        Assert.Throws<InvalidOperationException>(() => _view.Add(b));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1.5f)]
    public void EveryViewOfAMovingCrowdWithCreaturesIsTheNearestWithThoseKnownKept(float crowdCellSize)
    {
        // Small cells, so the nearest-first visit and its early stop cross many cell borders; a cap well under the
        // crowd; and with a crowd grid, smaller cells still (this crowd is too thin for them to be cheaper, so its views
        // read the view's own cells; the walk's dense corner below reads the small ones).
        const int max = 12, creaturePlaces = 3;
        var view = new ZoneView(Radius, cellSize: 4, maxVisible: max, creaturePlaces: creaturePlaces, crowdCellSize: crowdCellSize);
        var random = new Random(2000);
        Position Near(float spread) => new((float)(random.NextDouble() * spread), (float)(random.NextDouble() * spread));
        var entities = new List<TestEntity>();
        for (var i = 0; i < 60; i++)
        {
            entities.Add(Player(view, Near(30).X, Near(30).Y));
        }

        for (var i = 0; i < 25; i++)
        {
            entities.Add(Add(view, new TestEntity(++_nextId, EntityKind.Creature, Near(40))));
        }

        // What each client was told, built only from the changes it received.
        var pictures = new Dictionary<TestEntity, HashSet<ViewEntity>>();
        var checkedViews = 0;
        for (var tick = 0; tick < 40; tick++)
        {
            var moved = new HashSet<ViewEntity>();
            foreach (var entity in entities.Where(e => e.InZone && random.NextDouble() < 0.5))
            {
                // Steps of up to 4 m: the crowd churns, some leave each other's range and come back.
                var to = new Position(
                    Math.Clamp(entity.Position.X + (float)(random.NextDouble() * 8 - 4), -10, 50),
                    Math.Clamp(entity.Position.Y + (float)(random.NextDouble() * 8 - 4), -10, 50));
                view.Move(entity, to);
                moved.Add(entity);
            }

            if (tick % 10 == 5)
            {
                // Some leave and others arrive, of both kinds.
                foreach (var gone in entities.Where(e => e.InZone).OrderBy(_ => random.Next()).Take(4).ToList())
                {
                    view.Remove(gone);
                    moved.Remove(gone);
                }

                entities.Add(Player(view, Near(30).X, Near(30).Y));
                entities.Add(Add(view, new TestEntity(++_nextId, EntityKind.Creature, Near(40))));
            }

            view.BeginTick();
            foreach (var observer in view.Observers.Cast<TestEntity>().ToList())
            {
                var before = pictures.GetValueOrDefault(observer) ?? [];
                view.Compute(observer, _changes);
                var after = new HashSet<ViewEntity>(before);
                after.ExceptWith(before.Where(e => _changes.Left.Contains(e.Id)));
                Assert.All(_changes.Entered, e => Assert.DoesNotContain(e, before));
                after.UnionWith(_changes.Entered);
                pictures[observer] = after;
                Assert.Equal(before.Intersect(after).Where(moved.Contains).Select(e => e.Id).Order(), _changes.Updated.Select(e => e.Id).Order());
                Assert.All(after, e => Assert.True(ZoneView.Knows(observer, e)));
                CheckView(observer, before, after);
                checkedViews++;
            }

            view.EndTick();
        }

        Assert.True(checkedViews > 1500);

        void CheckView(TestEntity observer, HashSet<ViewEntity> before, HashSet<ViewEntity> after)
        {
            var radiusSquared = Radius * Radius;
            float Distance(ViewEntity e) => e.Position.DistanceSquaredTo(observer.Position);
            var inRange = entities.Where(e => e != observer && e.InZone && Distance(e) <= radiusSquared).ToList();
            Assert.Subset(inRange.ToHashSet<ViewEntity>(), after);
            Assert.Equal(Math.Min(max, inRange.Count), after.Count);
            var creaturesInRange = inRange.Count(e => e.Kind == EntityKind.Creature);
            // A crowd of players cannot hide the creatures beside the observer.
            Assert.True(after.Count(e => e.Kind == EntityKind.Creature) >= Math.Min(creaturesInRange, creaturePlaces));
            foreach (var kind in new[] { EntityKind.Player, EntityKind.Creature })
            {
                var ofKind = inRange.Where(e => e.Kind == kind).ToList();
                var strangersIn = ofKind.Where(e => after.Contains(e) && !before.Contains(e)).ToList();
                var strangersOut = ofKind.Where(e => !after.Contains(e) && !before.Contains(e)).ToList();
                var knownKept = ofKind.Where(e => after.Contains(e) && before.Contains(e)).ToList();
                var knownDropped = ofKind.Where(e => !after.Contains(e) && before.Contains(e)).ToList();
                // Free places go to the nearest strangers.
                if (strangersIn.Count > 0 && strangersOut.Count > 0)
                {
                    Assert.True(strangersIn.Max(Distance) <= strangersOut.Min(Distance), $"{observer}: a nearer {kind} stranger was left out");
                }

                // Those known keep their places: one gives way only when its kind has fewer places, and then the farthest.
                if (knownDropped.Count > 0)
                {
                    Assert.Empty(strangersIn);
                    if (knownKept.Count > 0)
                    {
                        Assert.True(knownKept.Max(Distance) <= knownDropped.Min(Distance), $"{observer}: a known {kind} gave way to a farther known one");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void EveryViewOfAWalkIsTheOneWorkedOutAfreshFromWhatItsClientKnew(float crowdCellSize)
    {
        // A zone with both kinds of places: players walking between waypoints over 150 m (views with free places,
        // changing every tick, as in the spread benchmark) and a dense crowd in one corner (views full, places freed
        // by churn and forgetting), with creatures in both. A view is worked out from marks and lists, not sets:
        // after each tick it must be exactly the view the rule gives when worked out afresh, by brute force, from
        // what its client knew and where everyone stands.
        const int max = 12, creaturePlaces = 3;
        var view = new ZoneView(Radius, Cell, maxVisible: max, creaturePlaces: creaturePlaces, crowdCellSize: crowdCellSize);
        var random = new Random(15);
        Position Anywhere() => new((float)(random.NextDouble() * 150), (float)(random.NextDouble() * 150));
        Position InCrowd() => new(120 + (float)(random.NextDouble() * 10), 120 + (float)(random.NextDouble() * 10));
        var entities = new List<TestEntity>();
        var waypoints = new Dictionary<TestEntity, Position>();
        var crowd = new HashSet<TestEntity>();
        void Arrive(EntityKind kind, bool inCrowd)
        {
            var entity = Add(view, new TestEntity(++_nextId, kind, inCrowd ? InCrowd() : Anywhere()));
            entities.Add(entity);
            if (inCrowd)
            {
                crowd.Add(entity);
            }
            else
            {
                waypoints[entity] = Anywhere();
            }
        }

        for (var i = 0; i < 120; i++)
        {
            Arrive(EntityKind.Player, inCrowd: false);
        }

        for (var i = 0; i < 80; i++)
        {
            Arrive(EntityKind.Player, inCrowd: true);
        }

        for (var i = 0; i < 30; i++)
        {
            Arrive(EntityKind.Creature, inCrowd: i % 3 == 0);
        }

        var pictures = new Dictionary<TestEntity, HashSet<ViewEntity>>();
        var checkedViews = 0;
        for (var tick = 0; tick < 60; tick++)
        {
            foreach (var entity in entities.Where(e => e.InZone))
            {
                if (crowd.Contains(entity))
                {
                    // The crowd shuffles within its corner.
                    view.Move(entity, new Position(
                        Math.Clamp(entity.Position.X + (float)(random.NextDouble() - 0.5), 120, 130),
                        Math.Clamp(entity.Position.Y + (float)(random.NextDouble() - 0.5), 120, 130)));
                    continue;
                }

                // 4 m a tick towards its waypoint: some leave each other's range every tick.
                var to = waypoints[entity];
                var dx = to.X - entity.Position.X;
                var dy = to.Y - entity.Position.Y;
                var distance = MathF.Sqrt((dx * dx) + (dy * dy));
                if (distance <= 4)
                {
                    view.Move(entity, to);
                    waypoints[entity] = Anywhere();
                }
                else
                {
                    view.Move(entity, new Position(entity.Position.X + (dx / distance * 4), entity.Position.Y + (dy / distance * 4)));
                }
            }

            // Some leave and others arrive, in the crowd and out of it; now and then a client's picture is lost.
            foreach (var gone in entities.Where(e => e.InZone).OrderBy(_ => random.Next()).Take(3).ToList())
            {
                view.Remove(gone);
            }

            Arrive(EntityKind.Player, inCrowd: tick % 2 == 0);
            Arrive(tick % 3 == 0 ? EntityKind.Creature : EntityKind.Player, inCrowd: tick % 4 == 1);
            var forgotten = view.Observers.Cast<TestEntity>().Where(_ => random.NextDouble() < 0.02).ToHashSet();
            foreach (var observer in forgotten)
            {
                view.Forget(observer);
            }

            view.BeginTick();
            foreach (var observer in view.Observers.Cast<TestEntity>().ToList())
            {
                var knew = pictures.GetValueOrDefault(observer) ?? [];
                var expected = Afresh(observer, knew, forgotten.Contains(observer));
                view.Compute(observer, _changes);
                var after = _changes.Full ? [] : new HashSet<ViewEntity>(knew);
                after.RemoveWhere(e => _changes.Left.Contains(e.Id));
                after.UnionWith(_changes.Entered);
                pictures[observer] = after;
                Assert.Equal(expected.Select(e => e.Id).Order(), after.Select(e => e.Id).Order());
                Assert.Equal(forgotten.Contains(observer), _changes.Full);
                checkedViews++;
            }

            view.EndTick();
        }

        Assert.True(checkedViews > 10_000);

        // The rule, from scratch: a full view whose members are all here and in range stays as it is (unless a creature
        // waits for one of its kept places, or the client's picture was lost); otherwise each kind gets its places,
        // those the client knew keep theirs (the nearest of them when there are more than places), and the nearest
        // strangers take the rest.
        HashSet<ViewEntity> Afresh(TestEntity observer, HashSet<ViewEntity> knew, bool lost)
        {
            var radiusSquared = Radius * Radius;
            float Distance(ViewEntity e) => e.Position.DistanceSquaredTo(observer.Position);
            var inRange = entities.Where(e => e != observer && e.InZone && Distance(e) <= radiusSquared).ToList();
            var creatures = inRange.Where(e => e.Kind == EntityKind.Creature).ToList<ViewEntity>();
            var knownCreatures = creatures.Count(knew.Contains);
            var creatureWaits = knownCreatures < creatures.Count && knownCreatures < creaturePlaces;
            if (!lost && !creatureWaits && knew.Count >= max && knew.All(e => e.InZone && Distance(e) <= radiusSquared))
            {
                return knew;
            }

            var players = Choose(inRange.Where(e => e.Kind == EntityKind.Player).ToList<ViewEntity>(), max - Math.Min(creatures.Count, creaturePlaces));
            return [.. players, .. Choose(creatures, Math.Min(creatures.Count, max - players.Count))];

            List<ViewEntity> Choose(List<ViewEntity> candidates, int places)
            {
                var known = candidates.Where(knew.Contains).OrderBy(Distance).ToList();
                return known.Count >= places
                    ? known.Take(places).ToList()
                    : [.. known, .. candidates.Where(e => !knew.Contains(e)).OrderBy(Distance).Take(places - known.Count)];
            }
        }
    }

    private ViewChanges Tick(ViewEntity observer) => Tick(_view, observer);

    private ViewChanges Tick(ZoneView view, ViewEntity observer)
    {
        view.BeginTick();
        view.Compute(observer, _changes);
        view.EndTick();
        return _changes;
    }

    private TestEntity Player(float x, float y) => Player(_view, x, y);

    private TestEntity Player(ZoneView view, float x, float y) => Add(view, new TestEntity(++_nextId, EntityKind.Player, new Position(x, y)));

    private TestEntity Creature(float x, float y) => Add(_view, new TestEntity(++_nextId, EntityKind.Creature, new Position(x, y)));

    private static TestEntity Add(ZoneView view, TestEntity entity)
    {
        view.Add(entity);
        return entity;
    }

    private sealed class TestEntity(uint id, EntityKind kind, Position position)
        : ViewEntity(id, kind, position, observes: kind == EntityKind.Player)
    {
        public override void DescribeAppearance(Wire.EntityAppeared appeared) => appeared.Name = $"e{Id}";

        public override void DescribeStatus(Wire.EntityStatus status) => status.Level = 1;

        public override string ToString() => $"{Kind} {Id}";
    }
}
