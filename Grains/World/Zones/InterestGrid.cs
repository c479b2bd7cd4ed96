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

    public float CellSize => _cellSize;

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

    /// <summary>
    /// Entities in the cells a query of <paramref name="radius"/> around <paramref name="center"/> would look at: an
    /// upper bound of the query's answer, at the cost of a lookup per cell and no entity read.
    /// </summary>
    public int CountAround(Position center, float radius) => CountAround(center, radius, out _);

    /// <summary>
    /// As <see cref="CountAround(Position, float)"/>, and the area (square metres) of the cells counted, so a caller can tell the
    /// density around a point.
    /// </summary>
    public int CountAround(Position center, float radius, out float area)
    {
        area = (CellCoordinate(center.X + radius) - CellCoordinate(center.X - radius) + 1)
            * (CellCoordinate(center.Y + radius) - CellCoordinate(center.Y - radius) + 1) * _cellSize * _cellSize;
        var count = 0;
        for (var cx = CellCoordinate(center.X - radius); cx <= CellCoordinate(center.X + radius); cx++)
        {
            for (var cy = CellCoordinate(center.Y - radius); cy <= CellCoordinate(center.Y + radius); cy++)
            {
                if (_cells.TryGetValue(Key(cx, cy), out var slots))
                {
                    count += slots.Count;
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for every entity within <paramref name="radius"/> of <paramref name="center"/>
    /// (inclusive), except the one with id <paramref name="exclude"/>, nearest cells first: the cell holding the
    /// centre, then each ring of cells around it. Before each ring (and each cell) the visit stops, or skips, when
    /// nothing there can be nearer than <see cref="IInterestVisitor{T}.Limit"/>, so a caller that wants the k nearest
    /// stops once it has them. Within a cell the order is the cell's own.
    /// </summary>
    /// <remarks>A struct visitor, passed by reference: the calls are direct (no delegate, no allocation).</remarks>
    public void Visit<TVisitor>(Position center, float radius, ref TVisitor visitor, uint exclude = 0)
        where TVisitor : struct, IInterestVisitor<T>
    {
        var radiusSquared = radius * radius;
        var minX = CellCoordinate(center.X - radius);
        var maxX = CellCoordinate(center.X + radius);
        var minY = CellCoordinate(center.Y - radius);
        var maxY = CellCoordinate(center.Y + radius);
        var ox = CellCoordinate(center.X);
        var oy = CellCoordinate(center.Y);
        var rings = Math.Max(Math.Max(ox - minX, maxX - ox), Math.Max(oy - minY, maxY - oy));
        for (var ring = 0; ring <= rings; ring++)
        {
            if (ring > 0)
            {
                // The nearest any cell of this ring can be: the distance from the centre to the edge of the
                // square of rings already visited.
                var inner = MathF.Min(
                    MathF.Min(center.X - (ox - ring + 1) * _cellSize, (ox + ring) * _cellSize - center.X),
                    MathF.Min(center.Y - (oy - ring + 1) * _cellSize, (oy + ring) * _cellSize - center.Y));
                if (inner * inner > MathF.Min(radiusSquared, visitor.Limit))
                {
                    return;
                }
            }

            for (var cx = Math.Max(minX, ox - ring); cx <= Math.Min(maxX, ox + ring); cx++)
            {
                // Only the ring's border: its first and last row, and the two edge cells of the rows between.
                var edge = cx == ox - ring || cx == ox + ring;
                var step = edge || ring == 0 ? 1 : 2 * ring;
                for (var cy = oy - ring; cy <= oy + ring; cy += step)
                {
                    if (cy >= minY && cy <= maxY)
                    {
                        VisitCell(cx, cy, center, radiusSquared, ref visitor, exclude);
                    }
                }
            }
        }
    }

    private void VisitCell<TVisitor>(int cx, int cy, Position center, float radiusSquared, ref TVisitor visitor, uint exclude)
        where TVisitor : struct, IInterestVisitor<T>
    {
        // The nearest point of the cell to the centre: a cell wholly beyond the radius or the visitor's limit is skipped.
        var dx = MathF.Max(0, MathF.Max(cx * _cellSize - center.X, center.X - (cx + 1) * _cellSize));
        var dy = MathF.Max(0, MathF.Max(cy * _cellSize - center.Y, center.Y - (cy + 1) * _cellSize));
        var near = dx * dx + dy * dy;
        if (near > radiusSquared || near > visitor.Limit || !_cells.TryGetValue(Key(cx, cy), out var slots))
        {
            return;
        }

        foreach (var slot in CollectionsMarshal.AsSpan(slots))
        {
            var distance = slot.Position.DistanceSquaredTo(center);
            if (slot.Id != exclude && distance <= radiusSquared)
            {
                visitor.Visit(slot.Value, distance);
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

/// <summary>What <see cref="InterestGrid{T}.Visit"/> calls for each entity in range.</summary>
public interface IInterestVisitor<in T>
{
    /// <summary>
    /// The squared distance beyond which the visitor wants nothing more (infinity: everything in range). The grid
    /// reads it before each cell and ring, and skips what lies wholly beyond it.
    /// </summary>
    float Limit { get; }

    /// <summary>An entity within the radius, at <paramref name="distanceSquared"/> from the centre.</summary>
    void Visit(T value, float distanceSquared);
}
