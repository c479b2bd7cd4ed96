namespace OrleansMmo.Grains.World;

/// <summary>A point on a zone's map, in metres; (0,0) is the south-west corner.</summary>
[GenerateSerializer, Alias("mmo.Position")]
public readonly record struct Position([property: Id(0)] float X, [property: Id(1)] float Y)
{
    public float DistanceSquaredTo(Position other)
    {
        var dx = X - other.X;
        var dy = Y - other.Y;
        return (dx * dx) + (dy * dy);
    }

    public bool IsFinite => float.IsFinite(X) && float.IsFinite(Y);
}
