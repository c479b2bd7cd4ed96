using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>What an entity is; the values equal the wire enum's (<c>EntityKind</c> in world.proto).</summary>
public enum EntityKind
{
    Player = 1,
    Creature = 2,
}

/// <summary>What changed about an entity since the last tick; those who see it are told.</summary>
[Flags]
public enum EntityChanges
{
    None = 0,

    /// <summary>A new position.</summary>
    Moved = 1,

    /// <summary>Level, health or life: what <see cref="ViewEntity.DescribeStatus"/> writes.</summary>
    Status = 2,

    /// <summary>Hits it took this tick: <see cref="ViewEntity.Hits"/>.</summary>
    Events = 4,
}

/// <summary>One hit: who struck whom, for how much, and whether it killed.</summary>
public readonly record struct CombatHit(uint AttackerId, uint TargetId, int Damage, bool Killed);

/// <summary>
/// Something a zone shows: a player or a creature. The zone's own classes derive from it and add
/// what the game needs; <see cref="ZoneView"/> works out who sees it and <see cref="WorldUpdateEncoder"/>
/// writes it, each from what is here.
/// </summary>
public abstract class ViewEntity
{
    protected ViewEntity(uint id, EntityKind kind, Position position, bool observes)
    {
        Id = id;
        Kind = kind;
        Position = position;
        Observer = observes ? new ObserverState() : null;
    }

    /// <summary>Unique within the zone for the zone's lifetime; never reused.</summary>
    public uint Id { get; }

    public EntityKind Kind { get; }

    /// <summary>Changed through <see cref="ZoneView.Move"/>, which keeps the interest grid in step.</summary>
    public Position Position { get; internal set; }

    /// <summary>Set through <see cref="ZoneView.Move"/> and <see cref="ZoneView.MarkChanged"/>; cleared by <see cref="ZoneView.EndTick"/>.</summary>
    public EntityChanges Changes { get; internal set; }

    /// <summary>Whether this entity has a view of its own (players do, creatures do not).</summary>
    public bool Observes => Observer is not null;

    /// <summary>Hits this entity took this tick, told to whoever sees it (itself included); emptied by <see cref="ZoneView.EndTick"/>.</summary>
    public List<CombatHit> Hits { get; } = [];

    /// <summary>Whether <see cref="ZoneView.Add"/> put it in its zone and <see cref="ZoneView.Remove"/> has not taken it out.</summary>
    public bool InZone { get; internal set; }

    /// <summary>Fills in how this entity looks to someone who starts seeing it (id and position are set by the caller).</summary>
    public abstract void DescribeAppearance(Wire.EntityAppeared appeared);

    /// <summary>Fills in its level, health and life for those who already see it (the id is set by the caller).</summary>
    public abstract void DescribeStatus(Wire.EntityStatus status);

    /// <summary>Fills in the status an observer is told of itself, in numbers. Observers only.</summary>
    public virtual void DescribeSelf(Wire.SelfStatus status)
    {
    }

    internal ObserverState? Observer { get; }

    // Identity is the object; the id makes a cheap, well-spread hash for the observers' sets.
    public sealed override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public sealed override int GetHashCode() => (int)Id;

    /// <summary>The tick of <see cref="ZoneView"/> in which an observer last had this entity among its candidates.</summary>
    internal long SeenTick { get; set; }

    /// <summary>
    /// Scratch of <see cref="ZoneView.Compute"/>, one observer at a time: equal to the mark the view being worked out gave
    /// its known entities (and then those it keeps), so "is it known?" is a field read, not a set lookup. A field, not a
    /// property: it is read and written for every entity of every view, every tick.
    /// </summary>
    internal long ViewMark;

    /// <summary>Where this tick's pieces of this entity sit in the encoder's buffer.</summary>
    internal EncodedPieces Pieces;

    /// <summary>What one observer's client has been told.</summary>
    internal sealed class ObserverState
    {
        /// <summary>
        /// Entities this observer's client currently knows (was told entered and not yet left), each once. A list, not
        /// a set: a view is compared with it through <see cref="ViewMark"/>, and only an attack asks about one member.
        /// </summary>
        public List<ViewEntity> Known { get; set; } = [];

        /// <summary>The other half of a double buffer with <see cref="Known"/>, so a tick allocates no lists.</summary>
        public List<ViewEntity> NextKnown { get; set; } = [];

        /// <summary>The client's picture cannot be trusted (an update was lost): the next update replaces it whole.</summary>
        public bool NeedsFullView { get; set; }
    }

    internal struct EncodedPieces
    {
        public long Tick;
        public (int Start, int Length) Appeared;
        public (int Start, int Length) Moved;
        public (int Start, int Length) Status;
        public (int Start, int Length) Events;
    }
}
