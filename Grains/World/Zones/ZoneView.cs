namespace OrleansMmo.Grains.World.Zones;

/// <summary>
/// Who sees whom in one zone: its entities (players and creatures), their interest grids, and for
/// each observer (a player) what its client knows, so a tick can tell it exactly what entered,
/// changed in or left its view. Plain C#: no Orleans, no wire, no clock; the zone grain drives it.
/// </summary>
/// <remarks>
/// Players and creatures live in separate grids of the same cell size: a view queries both, a
/// creature looking for players queries only the players'. Visibility is inclusive (an entity
/// exactly at the view radius is in view). At most <see cref="MaxVisible"/> others are in one view, of which
/// <see cref="CreaturePlaces"/> are kept for creatures when creatures are in range (a crowd of players cannot
/// hide the creature beside them); within each kind's share those already known keep their place, free
/// places go to the nearest strangers. Not thread-safe: a zone grain owns its view and runs one turn at a time.
/// </remarks>
public sealed class ZoneView
{
    private readonly InterestGrid<ViewEntity> _players;
    private readonly InterestGrid<ViewEntity> _creatures;
    // The players again in small cells, for picking the nearest strangers inside a crowd (null: off).
    private readonly InterestGrid<ViewEntity>? _crowd;
    private readonly Dictionary<uint, ViewEntity> _entities = [];
    private readonly List<ViewEntity> _observers = [];
    private readonly Dictionary<ViewEntity, int> _observerIndex = new(ReferenceEqualityComparer.Instance);
    private readonly List<ViewEntity> _changed = [];
    private readonly List<ViewEntity> _candidates = [];
    private readonly List<ViewEntity> _creatureCandidates = [];
    private readonly List<ViewEntity> _capOthers = [];
    private readonly PriorityQueue<ViewEntity, float> _nearest = new();
    private readonly List<ViewEntity> _seen = [];
    private long _tick;
    // The last mark given out (see ViewEntity.ViewMark); only grows, so an earlier view's marks never match.
    private long _mark;
    // A mark no entity holds: "nothing is known".
    private const long NoMark = -1;

    /// <param name="viewRadius">How far an observer sees (metres, inclusive).</param>
    /// <param name="cellSize">Side of the interest grids' cells (metres).</param>
    /// <param name="maxVisible">Most entities in one view.</param>
    /// <param name="creaturePlaces">Places of a full view kept for creatures in range.</param>
    /// <param name="crowdCellSize">
    /// Cells of a second grid of the players, used to pick the nearest strangers inside a crowd (where the free places
    /// fill within a few small cells): there the nearest are found within a few small cells instead of by reading the
    /// whole crowd. 0: no second grid.
    /// </param>
    public ZoneView(float viewRadius, float cellSize, int maxVisible, int creaturePlaces = 0, float crowdCellSize = 0)
    {
        if (!float.IsFinite(viewRadius) || viewRadius <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(viewRadius), viewRadius, "The view radius must be a positive number.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxVisible, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(creaturePlaces);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(creaturePlaces, maxVisible);
        ViewRadius = viewRadius;
        MaxVisible = maxVisible;
        CreaturePlaces = creaturePlaces;
        _players = new InterestGrid<ViewEntity>(cellSize);
        _creatures = new InterestGrid<ViewEntity>(cellSize);
        if (crowdCellSize > 0)
        {
            _crowd = new InterestGrid<ViewEntity>(crowdCellSize);
        }
    }

    public float ViewRadius { get; }

    public int MaxVisible { get; }

    /// <summary>Places of a full view kept for creatures in range; players get the rest (and any the creatures leave).</summary>
    public int CreaturePlaces { get; }

    /// <summary>Entities in the zone, of both kinds.</summary>
    public int Count => _entities.Count;

    /// <summary>Observers (players), in no particular order; stable while nobody enters or leaves.</summary>
    public IReadOnlyList<ViewEntity> Observers => _observers;

    /// <summary>Creatures that were among some observer's candidates during the current tick's <see cref="Compute"/> calls.</summary>
    public IReadOnlyList<ViewEntity> Seen => _seen;

    /// <summary>Every entity in the zone, players and creatures.</summary>
    public IReadOnlyCollection<ViewEntity> Entities => _entities.Values;

    public bool TryGet(uint id, out ViewEntity entity) => _entities.TryGetValue(id, out entity!);

    public void Add(ViewEntity entity)
    {
        if (!_entities.TryAdd(entity.Id, entity))
        {
            throw new InvalidOperationException($"Entity {entity.Id} is already in the zone.");
        }

        GridOf(entity).Add(entity.Id, entity.Position, entity);
        CrowdGridOf(entity)?.Add(entity.Id, entity.Position, entity);

        entity.InZone = true;
        if (entity.Observes)
        {
            _observerIndex.Add(entity, _observers.Count);
            _observers.Add(entity);
        }

        // Nobody knows it yet: it enters views whole, so it needs no "moved" or "status" for anyone.
        entity.Changes = EntityChanges.None;
        entity.Hits.Clear();
    }

    /// <summary>Takes the entity out; those who knew it are told it left at their next <see cref="Compute"/>.</summary>
    public bool Remove(ViewEntity entity)
    {
        if (!_entities.Remove(entity.Id))
        {
            return false;
        }

        GridOf(entity).Remove(entity.Id);
        CrowdGridOf(entity)?.Remove(entity.Id);

        entity.InZone = false;
        if (_observerIndex.Remove(entity, out var index))
        {
            // Swap-remove: the last observer takes the freed place.
            var last = _observers[^1];
            _observers[index] = last;
            _observers.RemoveAt(_observers.Count - 1);
            if (!ReferenceEquals(last, entity))
            {
                _observerIndex[last] = index;
            }

            var observer = entity.Observer!;
            observer.Known.Clear();
            observer.NextKnown.Clear();
        }

        return true;
    }

    public void Move(ViewEntity entity, Position position)
    {
        entity.Position = position;
        GridOf(entity).Move(entity.Id, position);
        CrowdGridOf(entity)?.Move(entity.Id, position);

        MarkChanged(entity, EntityChanges.Moved);
    }

    /// <summary>A hit on the entity this tick, for those who see it and for itself.</summary>
    public void AddHit(ViewEntity target, CombatHit hit)
    {
        target.Hits.Add(hit);
        MarkChanged(target, EntityChanges.Events | EntityChanges.Status);
    }

    /// <summary>Records that something about the entity changed this tick, for those who see it.</summary>
    public void MarkChanged(ViewEntity entity, EntityChanges changes)
    {
        if (entity.Changes == EntityChanges.None && changes != EntityChanges.None)
        {
            _changed.Add(entity);
        }

        entity.Changes |= changes;
    }

    /// <summary>
    /// Forgets what the observer's client was told (an update to it was lost, or it plays from a new
    /// connection): its next update lists its whole view and says so, and the client replaces its picture.
    /// </summary>
    public void Forget(ViewEntity observer)
    {
        var state = observer.Observer ?? throw new ArgumentException($"Entity {observer.Id} does not observe.", nameof(observer));
        if (!_entities.TryGetValue(observer.Id, out var present) || !ReferenceEquals(present, observer))
        {
            // Not (or no longer) here: there is no view to forget.
            return;
        }

        // What it knows is replaced at its next Compute; until then it still counts as known, so a
        // dropped update does not make the observer's attacks on what it sees look blind.
        state.NeedsFullView = true;
    }

    /// <summary>Whether the observer's client has been told of <paramref name="target"/> and not told it left.</summary>
    /// <remarks>A scan of at most <see cref="MaxVisible"/> entries: asked once per attack, not per view.</remarks>
    public static bool Knows(ViewEntity observer, ViewEntity target) => observer.Observer?.Known.Contains(target) == true;

    /// <summary>Players within <paramref name="radius"/> of <paramref name="center"/>, inclusive.</summary>
    public void QueryPlayers(Position center, float radius, List<ViewEntity> into, uint exclude = 0) =>
        _players.Query(center, radius, into, exclude);

    /// <summary>Creatures within <paramref name="radius"/> of <paramref name="center"/>, inclusive.</summary>
    public void QueryCreatures(Position center, float radius, List<ViewEntity> into, uint exclude = 0) =>
        _creatures.Query(center, radius, into, exclude);

    /// <summary>Starts a tick: <see cref="Seen"/> starts empty.</summary>
    public void BeginTick()
    {
        _tick++;
        _seen.Clear();
    }

    /// <summary>
    /// Works out what changed in one observer's view since its last update and remembers that its
    /// client now knows it. Call once per observer per tick, between <see cref="BeginTick"/> and
    /// <see cref="EndTick"/>; <paramref name="changes"/> is cleared first.
    /// </summary>
    public void Compute(ViewEntity observer, ViewChanges changes)
    {
        var state = observer.Observer ?? throw new ArgumentException($"Entity {observer.Id} does not observe.", nameof(observer));
        changes.Clear();

        // Marks what its client knows: from here to the end of this call "known?" is a read of the entity's mark. The
        // mark is new for each view, so the marks of the views worked out before mean nothing now.
        var knownMark = ++_mark;
        foreach (var entity in state.Known)
        {
            entity.ViewMark = knownMark;
        }

        // Creatures within the radius are seen whether or not they make the view: the simulation wakes them.
        var creatures = _creatureCandidates;
        creatures.Clear();
        _creatures.Query(observer.Position, ViewRadius, creatures);
        var knownCreatures = 0;
        foreach (var creature in creatures)
        {
            if (creature.SeenTick != _tick)
            {
                creature.SeenTick = _tick;
                _seen.Add(creature);
            }

            if (creature.ViewMark == knownMark)
            {
                knownCreatures++;
            }
        }

        // A creature in range that is not known while the creatures hold fewer than their places would take a
        // place from a player: the view must be worked out again.
        var creatureWaits = knownCreatures < creatures.Count && knownCreatures < CreaturePlaces;
        if (!state.NeedsFullView && !creatureWaits && state.Known.Count >= MaxVisible && TryKeepFullView(observer.Position, state.Known, changes))
        {
            changes.Self = observer.Changes & (EntityChanges.Status | EntityChanges.Events);
            return;
        }

        SelectPlayers(observer, state.Known, knownMark, MaxVisible - Math.Min(creatures.Count, CreaturePlaces));
        // Creatures get their kept places and every place the players leave.
        SelectCreatures(observer.Position, knownMark, Math.Min(creatures.Count, MaxVisible - _candidates.Count));

        if (state.NeedsFullView)
        {
            state.NeedsFullView = false;
            state.Known.Clear();
            changes.Full = true;
            // The client's picture is replaced: nobody counts as known, everyone in the view enters.
            knownMark = NoMark;
        }

        // Each candidate is told entered or updated and marked kept; a known one not marked kept has left.
        var keptMark = ++_mark;
        var known = state.Known;
        var next = state.NextKnown;
        next.Clear();
        foreach (var entity in _candidates)
        {
            next.Add(entity);
            if (entity.ViewMark != knownMark)
            {
                changes.Entered.Add(entity);
            }
            else if (entity.Changes != EntityChanges.None)
            {
                changes.Updated.Add(entity);
            }

            entity.ViewMark = keptMark;
        }

        foreach (var entity in known)
        {
            if (entity.ViewMark != keptMark)
            {
                changes.Left.Add(entity.Id);
            }
        }

        state.NextKnown = known;
        state.Known = next;
        changes.Self = observer.Changes & (EntityChanges.Status | EntityChanges.Events);
    }

    /// <summary>
    /// A full view whose members are all still here and in range stays as it is (those known keep their places):
    /// then only what changed among them is told, in one pass over the view, without looking at the crowd around
    /// it. This costs the cap, not the local density, so a crowd of N costs N x cap per tick, not N^2. False (and
    /// nothing added) when one of them left or walked out of range: the view is worked out again.
    /// </summary>
    private bool TryKeepFullView(Position center, List<ViewEntity> known, ViewChanges changes)
    {
        var radiusSquared = ViewRadius * ViewRadius;
        foreach (var entity in known)
        {
            if (!entity.InZone || entity.Position.DistanceSquaredTo(center) > radiusSquared)
            {
                changes.Updated.Clear();
                return false;
            }

            if (entity.Changes != EntityChanges.None)
            {
                changes.Updated.Add(entity);
            }
        }

        return true;
    }

    /// <summary>Ends a tick: this tick's changes have been told; entities start the next one unchanged.</summary>
    public void EndTick()
    {
        foreach (var entity in _changed)
        {
            entity.Changes = EntityChanges.None;
            entity.Hits.Clear();
        }

        _changed.Clear();
    }

    /// <summary>
    /// Puts in <see cref="_candidates"/> (emptied first) the players the observer sees, at most <paramref name="cap"/>:
    /// those it knows that are still here and in range keep their places, the free ones go to the nearest strangers.
    /// </summary>
    /// <remarks>
    /// The strangers come from one pass over the grid (<see cref="InterestGrid{T}.Visit"/>, nearest cells first) into a
    /// bounded max-heap of the free places: once the heap is full, cells and rings that cannot hold anyone nearer than
    /// its farthest are not visited. A view with no free place looks at no stranger at all, so a crowd of N whose
    /// views are full costs N x cap, not N^2, whatever moves inside it.
    /// </remarks>
    private void SelectPlayers(ViewEntity observer, List<ViewEntity> known, long knownMark, int cap)
    {
        _candidates.Clear();
        var center = observer.Position;
        var radiusSquared = ViewRadius * ViewRadius;
        foreach (var entity in known)
        {
            if (entity.Kind == EntityKind.Player && entity.InZone && entity.Position.DistanceSquaredTo(center) <= radiusSquared)
            {
                _candidates.Add(entity);
            }
        }

        if (_candidates.Count >= cap)
        {
            // More known than places (the creatures took some): the nearest of them stay.
            KeepNearest(_candidates, cap, center);
            return;
        }

        var places = cap - _candidates.Count;
        // Either grid gives the same nearest strangers; the crowd's small cells are read only where they cost less.
        var strangers = new NearestStrangers(_nearest, knownMark, places);
        var grid = CrowdCellsAreCheaper(center, places) ? _crowd! : _players;
        grid.Visit(center, ViewRadius, ref strangers, exclude: observer.Id);
        foreach (var (entity, _) in _nearest.UnorderedItems)
        {
            _candidates.Add(entity);
        }
    }

    /// <summary>
    /// Whether the nearest <paramref name="places"/> strangers around <paramref name="center"/> cost less to find in the crowd
    /// grid's small cells than in the view's own cells. The answer is the same either way; only the cost differs.
    /// </summary>
    /// <remarks>
    /// In the view's own cells the pass reads every player there (n), for a few cell lookups. In the small cells it reads
    /// cells nearest first until the free places are full and no nearer cell is left: at the density of the view's cells
    /// about places / (players per small cell) cells, each a dictionary lookup that costs as much as reading several players,
    /// and all the small cells within the radius (~700 at the defaults) when the places never fill. A crowd (hundreds or
    /// thousands in the view's cells, a few places free) fills them within a few small cells; a spread-out zone (a hundred
    /// or two players around a view whose places are mostly free) does not, and choosing the small cells there by "more
    /// players around than a view has places" cost 16 µs per view against 3 µs in the view's cells (crowd-view --spread,
    /// 2,000 players walking over the meadow: five times the whole tick's view work).
    /// </remarks>
    private bool CrowdCellsAreCheaper(Position center, int places)
    {
        if (_crowd is null)
        {
            return false;
        }

        var players = _players.CountAround(center, ViewRadius, out var area);
        if (players <= places)
        {
            // Everyone around fits: the places never fill, so the small cells would all be read.
            return false;
        }

        var smallCellsToFill = places * area / (players * _crowd.CellSize * _crowd.CellSize);
        return smallCellsToFill * CellLookupCost < players;
    }

    /// <summary>
    /// What one cell lookup of <see cref="InterestGrid{T}.Visit"/> costs, in players read in order (a dictionary lookup
    /// against a slot read from an array). Not a tunable: with the crowd-view benchmark (clumped with churn, and spread),
    /// 1 to 16 gave the same clumped ticks, and 4 or more the spread tick of the view's own cells; 1 kept some spread
    /// views in the small cells (+15%).
    /// </summary>
    private const float CellLookupCost = 4;

    /// <summary>
    /// Adds to <see cref="_candidates"/> at most <paramref name="cap"/> of the creatures in range
    /// (<see cref="_creatureCandidates"/>): those known first, then the nearest others.
    /// </summary>
    private void SelectCreatures(Position center, long knownMark, int cap)
    {
        var creatures = _creatureCandidates;
        if (creatures.Count <= cap)
        {
            _candidates.AddRange(creatures);
            return;
        }

        _capOthers.Clear();
        var kept = 0;
        // Compacts in place: slot "kept" is never ahead of the one being read.
        for (var i = 0; i < creatures.Count; i++)
        {
            var entity = creatures[i];
            if (entity.ViewMark == knownMark)
            {
                creatures[kept++] = entity;
            }
            else
            {
                _capOthers.Add(entity);
            }
        }

        creatures.RemoveRange(kept, creatures.Count - kept);
        if (kept >= cap)
        {
            KeepNearest(creatures, cap, center);
        }
        else
        {
            var strangers = new NearestStrangers(_nearest, knownMark, cap - kept);
            foreach (var entity in _capOthers)
            {
                strangers.Visit(entity, entity.Position.DistanceSquaredTo(center));
            }

            foreach (var (entity, _) in _nearest.UnorderedItems)
            {
                creatures.Add(entity);
            }
        }

        _candidates.AddRange(creatures);
    }

    /// <summary>Leaves in <paramref name="entities"/> only its <paramref name="count"/> nearest to <paramref name="center"/>.</summary>
    private void KeepNearest(List<ViewEntity> entities, int count, Position center)
    {
        if (entities.Count <= count)
        {
            return;
        }

        var nearest = new NearestStrangers(_nearest, NoMark, count);
        foreach (var entity in entities)
        {
            nearest.Visit(entity, entity.Position.DistanceSquaredTo(center));
        }

        entities.Clear();
        foreach (var (entity, _) in _nearest.UnorderedItems)
        {
            entities.Add(entity);
        }
    }

    /// <summary>
    /// The <c>places</c> nearest entities visited that are not marked known, in a max-heap by squared distance
    /// (the farthest on top, replaced by anyone nearer): strangers x log(places), no sort. Its <see cref="Limit"/>
    /// tells the grid what is too far to matter once the heap is full.
    /// </summary>
    private readonly struct NearestStrangers : IInterestVisitor<ViewEntity>
    {
        private readonly PriorityQueue<ViewEntity, float> _heap;
        private readonly long _knownMark;
        private readonly int _places;

        // knownMark: the mark of the known entities, which are passed over (NoMark: none is).
        public NearestStrangers(PriorityQueue<ViewEntity, float> heap, long knownMark, int places)
        {
            heap.Clear();
            _heap = heap;
            _knownMark = knownMark;
            _places = places;
        }

        public float Limit => _places == 0 ? -1 : _heap.Count < _places ? float.PositiveInfinity : Farthest;

        private float Farthest => _heap.TryPeek(out _, out var priority) ? -priority : float.PositiveInfinity;

        public void Visit(ViewEntity value, float distanceSquared)
        {
            if (_places == 0 || value.ViewMark == _knownMark)
            {
                return;
            }

            if (_heap.Count < _places)
            {
                _heap.Enqueue(value, -distanceSquared);
            }
            else if (distanceSquared < Farthest)
            {
                _heap.DequeueEnqueue(value, -distanceSquared);
            }
        }
    }

    private InterestGrid<ViewEntity> GridOf(ViewEntity entity) => entity.Kind == EntityKind.Player ? _players : _creatures;

    /// <summary>The crowd grid for a player (when it is on), none for a creature: it follows every player as the players' grid does.</summary>
    private InterestGrid<ViewEntity>? CrowdGridOf(ViewEntity entity) => entity.Kind == EntityKind.Player ? _crowd : null;
}

/// <summary>What changed in one observer's view: the result of <see cref="ZoneView.Compute"/>, reused across observers.</summary>
public sealed class ViewChanges
{
    /// <summary>Entities the client must be told about whole: new in view (or everything, when <see cref="Full"/>).</summary>
    public List<ViewEntity> Entered { get; } = [];

    /// <summary>Entities the client knows that changed this tick (see their <see cref="ViewEntity.Changes"/>).</summary>
    public List<ViewEntity> Updated { get; } = [];

    /// <summary>Ids of entities that left the view or the zone.</summary>
    public List<uint> Left { get; } = [];

    /// <summary>The client's picture is replaced: <see cref="Entered"/> is its whole view, everything else it knew is gone.</summary>
    public bool Full { get; internal set; }

    /// <summary>What changed about the observer itself this tick (status, hits it took): it is told too.</summary>
    public EntityChanges Self { get; internal set; }

    /// <summary>Entities entered, updated or left.</summary>
    public int Count => Entered.Count + Updated.Count + Left.Count;

    /// <summary>Nothing to tell: no update is sent.</summary>
    public bool IsEmpty => !Full && Count == 0 && Self == EntityChanges.None;

    public void Clear()
    {
        Entered.Clear();
        Updated.Clear();
        Left.Clear();
        Full = false;
        Self = EntityChanges.None;
    }
}
