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

    public void Reset(ZoneArrival arrival)
    {
        _entities.Clear();
        ZoneId = arrival.Zone.ZoneId;
        SelfId = arrival.EntityId;
    }

    /// <summary>Applies one update (a full one replaces the view); updates from a zone the client has left are ignored.</summary>
    public void Apply(WorldUpdate update)
    {
        if (update.ZoneId != ZoneId)
        {
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
            _entities[entered.EntityId] = new Entity(entered.EntityId, entered.CharacterId, entered.Name, entered.Position.X, entered.Position.Y);
        }

        foreach (var moved in update.Moved)
        {
            if (_entities.TryGetValue(moved.EntityId, out var entity))
            {
                _entities[moved.EntityId] = entity with { X = moved.Position.X, Y = moved.Position.Y };
            }
        }
    }

    public Entity? FindByName(string name) => _entities.Values.FirstOrDefault(e => e.Name == name);

    public sealed record Entity(uint EntityId, string CharacterId, string Name, float X, float Y);
}
