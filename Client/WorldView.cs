using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

/// <summary>
/// What one client knows of its zone, kept up to date from WorldUpdate pushes: apply every
/// update in order, and <see cref="Reset"/> on entering the world or a new zone. Not thread-safe.
/// </summary>
public sealed class WorldView
{
    private readonly Dictionary<uint, Entity> _entities = [];

    public string ZoneId { get; private set; } = "";

    public uint SelfId { get; private set; }

    public IReadOnlyDictionary<uint, Entity> Entities => _entities;

    /// <summary>The character's own level and health, from the latest update that told it (null until one did).</summary>
    public SelfStatus? Self { get; private set; }

    /// <summary>Hits seen, oldest first: the last <see cref="MaxCombatEvents"/>.</summary>
    public IReadOnlyCollection<CombatEvent> Combat => _combat;

    public const int MaxCombatEvents = 256;

    /// <summary>Most updates kept for a zone the client has not heard it arrived in (see <see cref="Apply"/>).</summary>
    public const int MaxEarlyUpdates = 64;

    private readonly Queue<CombatEvent> _combat = new();
    private readonly Queue<WorldUpdate> _early = new();

    /// <summary>Starts afresh in the zone of <paramref name="arrival"/>, applying what already came from it.</summary>
    public void Reset(ZoneArrival arrival)
    {
        _entities.Clear();
        _combat.Clear();
        ZoneId = arrival.Zone.ZoneId;
        SelfId = arrival.EntityId;
        var early = _early.ToList();
        _early.Clear();
        foreach (var update in early.Where(u => u.ZoneId == ZoneId))
        {
            Apply(update);
        }
    }

    /// <summary>
    /// Applies one update (a full one replaces the view). An update from another zone is kept (the
    /// latest <see cref="MaxEarlyUpdates"/>): the new zone's first update can arrive before the move
    /// response that says the character changed zones, and it names everyone already there.
    /// Updates from a zone the client has left are dropped at the next <see cref="Reset"/>.
    /// </summary>
    public void Apply(WorldUpdate update)
    {
        if (update.ZoneId != ZoneId)
        {
            if (_early.Count == MaxEarlyUpdates)
            {
                _early.Dequeue();
            }

            _early.Enqueue(update);
            return;
        }

        if (update.Full)
        {
            // The server lost track of what this client knows: the update lists the whole view.
            _entities.Clear();
        }

        foreach (var id in update.Left)
        {
            _entities.Remove(id);
        }

        foreach (var entered in update.Entered)
        {
            _entities[entered.EntityId] = new Entity(entered.EntityId, entered.CharacterId, entered.Name, entered.Position.X, entered.Position.Y)
            {
                Kind = entered.Kind,
                TemplateId = entered.TemplateId,
                Level = entered.Level,
                HealthPercent = entered.HealthPercent,
                Dead = entered.Dead,
            };
        }

        foreach (var moved in update.Moved)
        {
            if (_entities.TryGetValue(moved.EntityId, out var entity))
            {
                _entities[moved.EntityId] = entity with { X = moved.Position.X, Y = moved.Position.Y };
            }
        }

        foreach (var status in update.Changed)
        {
            if (_entities.TryGetValue(status.EntityId, out var entity))
            {
                _entities[status.EntityId] = entity with { Level = status.Level, HealthPercent = status.HealthPercent, Dead = status.Dead };
            }
        }

        foreach (var hit in update.Combat)
        {
            if (_combat.Count == MaxCombatEvents)
            {
                _combat.Dequeue();
            }

            _combat.Enqueue(hit);
        }

        if (update.Self is { } self)
        {
            Self = self;
        }
    }

    public Entity? FindByName(string name) => _entities.Values.FirstOrDefault(e => e.Name == name);

    /// <summary>The nearest living creature in view, if any.</summary>
    public Entity? NearestCreature(float x, float y) => _entities.Values
        .Where(e => e.Kind == EntityKind.Creature && !e.Dead)
        .MinBy(e => ((e.X - x) * (e.X - x)) + ((e.Y - y) * (e.Y - y)));

    /// <summary>An entity as this client knows it: players carry a character id, creatures a template id.</summary>
    public sealed record Entity(uint EntityId, string CharacterId, string Name, float X, float Y)
    {
        public EntityKind Kind { get; init; } = EntityKind.Player;

        public string TemplateId { get; init; } = "";

        public uint Level { get; init; }

        public uint HealthPercent { get; init; } = 100;

        public bool Dead { get; init; }
    }
}
