using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>
/// A uniform grid over a zone for area-of-interest queries: "who is within the view radius of
/// this point". An entity (an id with a value of type <typeparamref name="T"/>, returned by queries so the
/// caller needs no lookup per candidate) is stored in the one cell holding its position; a query visits only the
/// cells its circle touches, so its cost follows the local density, not the zone's population.
/// </summary>
/// <remarks>
/// Visibility is inclusive: an entity exactly at the view radius is in view. Not thread-safe; a
/// zone grain owns its grid and runs one turn at a time.
/// </remarks>
public sealed class InterestGrid<T>
{
    private readonly float _cellSize;
    // Positions are kept in the cells as well, so a query reads them in order, without a lookup per entity.
    private readonly Dictionary<long, List<Slot>> _cells = [];
    private readonly Dictionary<uint, Entry> _entries = [];

    public InterestGrid(float cellSize)
    {
        if (!float.IsFinite(cellSize) || cellSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cellSize), cellSize, "The cell size must be a positive number.");
        }

        _cellSize = cellSize;
    }

    public int Count => _entries.Count;

    /// <summary>Cells holding at least one entity.</summary>
    public int OccupiedCells => _cells.Count;

    public bool Contains(uint id) => _entries.ContainsKey(id);

    public void Add(uint id, Position position, T value)
    {
        var cell = CellOf(position);
        if (!_entries.TryAdd(id, new Entry(position, cell, 0, value)))
        {
            throw new InvalidOperationException($"Entity {id} is already in the grid.");
        }

        Insert(id, cell);
    }

    /// <summary>Moves an entity; it changes cell only when it crosses a cell border.</summary>
    public void Move(uint id, Position position)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);
        if (Unsafe.IsNullRef(ref entry))
        {
            throw new KeyNotFoundException($"Entity {id} is not in the grid.");
        }

        var cell = CellOf(position);
        if (cell == entry.Cell)
        {
            entry = entry with { Position = position };
            CollectionsMarshal.AsSpan(_cells[cell])[entry.Index] = new Slot(id, position, entry.Value);
            return;
        }

        RemoveFromCell(entry.Cell, entry.Index);
        entry = entry with { Position = position, Cell = cell };
        Insert(id, cell);
    }

    public bool Remove(uint id)
    {
        if (!_entries.Remove(id, out var entry))
        {
            return false;
        }

        RemoveFromCell(entry.Cell, entry.Index);
        return true;
    }

    public Position PositionOf(uint id) => _entries[id].Position;

    /// <summary>
    /// Adds to <paramref name="into"/> the value of every entity within <paramref name="radius"/> of
    /// <paramref name="center"/> (inclusive), except the one with id <paramref name="exclude"/>.
    /// </summary>
    public void Query(Position center, float radius, List<T> into, uint exclude = 0)
    {
        var radiusSquared = radius * radius;
        var minX = CellCoordinate(center.X - radius);
        var maxX = CellCoordinate(center.X + radius);
        var minY = CellCoordinate(center.Y - radius);
        var maxY = CellCoordinate(center.Y + radius);
        for (var cx = minX; cx <= maxX; cx++)
        {
            for (var cy = minY; cy <= maxY; cy++)
            {
                if (!_cells.TryGetValue(Key(cx, cy), out var ids))
                {
                    continue;
                }

                foreach (var slot in CollectionsMarshal.AsSpan(ids))
                {
                    if (slot.Id != exclude && slot.Position.DistanceSquaredTo(center) <= radiusSquared)
                    {
                        into.Add(slot.Value);
                    }
                }
            }
        }
    }

    private void Insert(uint id, long cell)
    {
        if (!_cells.TryGetValue(cell, out var ids))
        {
            ids = [];
            _cells.Add(cell, ids);
        }

        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);
        ids.Add(new Slot(id, entry.Position, entry.Value));
        entry = entry with { Cell = cell, Index = ids.Count - 1 };
    }

    /// <summary>Swap-remove: the cell's last entity takes the freed slot, so removal is O(1).</summary>
    private void RemoveFromCell(long cell, int index)
    {
        var ids = _cells[cell];
        var last = ids.Count - 1;
        if (index != last)
        {
            var moved = ids[last];
            ids[index] = moved;
            ref var movedEntry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, moved.Id);
            movedEntry = movedEntry with { Index = index };
        }

        ids.RemoveAt(last);
        if (ids.Count == 0)
        {
            _cells.Remove(cell);
        }
    }

    private int CellCoordinate(float value) => (int)MathF.Floor(value / _cellSize);

    private long CellOf(Position position) => Key(CellCoordinate(position.X), CellCoordinate(position.Y));

    private static long Key(int cx, int cy) => ((long)cx << 32) | (uint)cy;

    private readonly record struct Entry(Position Position, long Cell, int Index, T Value);

    private readonly record struct Slot(uint Id, Position Position, T Value);
}
