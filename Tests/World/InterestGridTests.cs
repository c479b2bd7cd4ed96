using OrleansMmo.Grains.World;
using OrleansMmo.Grains.World.Zones;

namespace OrleansMmo.Tests.World;

/// <summary>The area-of-interest grid on its own: cell 10 m, view radius 15 m unless said.</summary>
[Trait("Category", "Unit")]
public class InterestGridTests
{
    private const float Cell = 10, Radius = 15;

    [Fact]
    public void AnEntityExactlyAtTheViewRadiusIsInViewAndJustBeyondItIsNot()
    {
        var grid = new InterestGrid<uint>(Cell);
        grid.Add(1, new Position(100, 100), 1);
        grid.Add(2, new Position(100 + Radius, 100), 2);
        grid.Add(3, new Position(100, 100 - Radius - 0.01f), 3);

        Assert.Equal([2u], Query(grid, new Position(100, 100), exclude: 1));
    }

    [Fact]
    public void DiagonalDistanceCountsNotTheCellSquare()
    {
        var grid = new InterestGrid<uint>(Cell);
        // 11 m on both axes: inside the query's square of cells, 15.56 m away, so out of view.
        grid.Add(1, new Position(111, 111), 1);
        grid.Add(2, new Position(110, 110), 2);

        Assert.Equal([2u], Query(grid, new Position(100, 100)));
    }

    [Fact]
    public void MovingAcrossACellBorderKeepsTheEntityFindableAndOnlyOnce()
    {
        var grid = new InterestGrid<uint>(Cell);
        grid.Add(1, new Position(9.99f, 5), 1);
        Assert.Equal(1, grid.OccupiedCells);

        grid.Move(1, new Position(10f, 5));
        Assert.Equal([1u], Query(grid, new Position(10, 5)));
        Assert.Equal(1, grid.OccupiedCells);

        grid.Move(1, new Position(-0.01f, 5));
        Assert.Equal([1u], Query(grid, new Position(0, 5)));
        Assert.Equal(new Position(-0.01f, 5), grid.PositionOf(1));
    }

    [Fact]
    public void EnteringAndLeavingTheViewAsAnEntityWalksPast()
    {
        var grid = new InterestGrid<uint>(Cell);
        var viewer = new Position(50, 50);
        grid.Add(7, new Position(20, 50), 7);
        var seen = new List<bool>();
        for (var x = 20f; x <= 80f; x += 2.5f)
        {
            grid.Move(7, new Position(x, 50));
            seen.Add(Query(grid, viewer).Contains(7u));
        }

        // In view exactly while within 15 m: x from 35 to 65.
        var expected = Enumerable.Range(0, seen.Count).Select(i => MathF.Abs(20f + (i * 2.5f) - 50) <= Radius).ToList();
        Assert.Equal(expected, seen);
        Assert.Contains(true, seen);
        Assert.Equal(13, seen.Count(s => s));
    }

    [Fact]
    public void ManyEntitiesInOneCellAreAllFoundAndRemovalKeepsTheRest()
    {
        var grid = new InterestGrid<uint>(Cell);
        for (uint id = 1; id <= 1000; id++)
        {
            grid.Add(id, new Position(5 + (id % 10 * 0.1f), 5), id);
        }

        Assert.Equal(1, grid.OccupiedCells);
        Assert.Equal(1000, Query(grid, new Position(5, 5)).Count);

        for (uint id = 1; id <= 1000; id += 2)
        {
            Assert.True(grid.Remove(id));
        }

        var left = Query(grid, new Position(5, 5));
        Assert.Equal(500, left.Count);
        Assert.All(left, id => Assert.Equal(0u, id % 2));
        Assert.False(grid.Remove(1));
    }

    [Fact]
    public void TheQueryExcludesTheViewerAndCellsFarAwayAreNotVisited()
    {
        var grid = new InterestGrid<uint>(Cell);
        grid.Add(1, new Position(0, 0), 1);
        grid.Add(2, new Position(1000, 1000), 2);
        grid.Add(3, new Position(5, 5), 3);

        Assert.Equal([3u], Query(grid, new Position(0, 0), exclude: 1));
        Assert.Empty(Query(grid, new Position(500, 500)));
        Assert.Throws<InvalidOperationException>(() => grid.Add(1, new Position(1, 1), 1));
        Assert.Throws<KeyNotFoundException>(() => grid.Move(99, new Position(1, 1)));
    }

    [Fact]
    public void AVisitSeesEveryoneInRangeOnceNearestCellsFirstAndSkipsOnlyWhatIsBeyondTheVisitorsLimit()
    {
        var grid = new InterestGrid<uint>(Cell);
        var random = new Random(15);
        var positions = new Dictionary<uint, Position>();
        for (uint id = 1; id <= 400; id++)
        {
            positions[id] = new Position((float)(random.NextDouble() * 60 - 30), (float)(random.NextDouble() * 60 - 30));
            grid.Add(id, positions[id], id);
        }

        foreach (var center in new[] { new Position(0, 0), new Position(3.3f, -7.9f), new Position(-14.99f, 20.01f), new Position(29, 29) })
        {
            var radiusSquared = Radius * Radius;
            var inRange = positions.Where(p => p.Key != 1 && p.Value.DistanceSquaredTo(center) <= radiusSquared).Select(p => p.Key).Order().ToList();

            // No limit: exactly the query's answer, each once, with its distance, and no cell visited before a nearer ring.
            var all = new Recorder(float.PositiveInfinity);
            grid.Visit(center, Radius, ref all, exclude: 1);
            Assert.Equal(inRange, all.Seen.Select(s => s.Id).Order());
            Assert.InRange(grid.CountAround(center, Radius), inRange.Count, positions.Count);
            Assert.All(all.Seen, s => Assert.Equal(positions[s.Id].DistanceSquaredTo(center), s.DistanceSquared));
            var rings = all.Seen.Select(s => Ring(center, positions[s.Id])).ToList();
            Assert.Equal(rings.Order(), rings);

            // A limit of 6 m: whatever is visited, nothing within 6 m is missed.
            var near = new Recorder(36);
            grid.Visit(center, Radius, ref near, exclude: 1);
            Assert.Superset(inRange.Where(id => positions[id].DistanceSquaredTo(center) <= 36).ToHashSet(), near.Seen.Select(s => s.Id).ToHashSet());
            Assert.True(near.Seen.Count < all.Seen.Count, "a limit far inside the radius should leave cells unvisited");
        }
    }

    private static int Ring(Position center, Position at) => Math.Max(
        Math.Abs((int)MathF.Floor(at.X / Cell) - (int)MathF.Floor(center.X / Cell)),
        Math.Abs((int)MathF.Floor(at.Y / Cell) - (int)MathF.Floor(center.Y / Cell)));

    private struct Recorder(float limit) : IInterestVisitor<uint>
    {
        public List<(uint Id, float DistanceSquared)> Seen { get; } = [];

        public readonly float Limit => limit;

        public readonly void Visit(uint value, float distanceSquared) => Seen.Add((value, distanceSquared));
    }

    private static List<uint> Query(InterestGrid<uint> grid, Position center, uint exclude = 0)
    {
        var result = new List<uint>();
        grid.Query(center, Radius, result, exclude);
        result.Sort();
        return result;
    }
}
