using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.World;
using OrleansMmo.Grains.World.Zones;
using OrleansMmo.Protocol;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.World;

/// <summary>WorldUpdate payloads assembled from pieces parse as the message they stand for.</summary>
[Trait("Category", "Unit")]
public class WorldUpdateEncoderTests
{
    private static readonly Progression Curve = new(
        [.. Enumerable.Range(1, 7).Select(l => new LevelDefinition(l, (l - 1) * 100, 100 * l, 10 * l))], 5, TimeSpan.FromSeconds(1));

    private readonly ZoneView _view = new(viewRadius: 50, cellSize: 50, maxVisible: 100);
    private readonly WorldUpdateEncoder _encoder = new("meadow");
    private readonly PushWriter _writer = new();
    private readonly ViewChanges _changes = new();

    [Fact]
    public void AnUpdateNamesWhoEnteredMovedAndLeftAndPiecesAreSharedByEveryoneWhoSeesThem()
    {
        var a = Add(1, "Ann", 10, 10);
        var b = Add(2, "Bob", 20, 10);
        var c = Add(3, "Cid", 30, 10);

        var first = Tick(1, a, b);
        Assert.Equal("meadow", first[0].ZoneId);
        Assert.Equal(1ul, first[0].Tick);
        Assert.Equal(["Bob", "Cid"], first[0].Entered.Select(e => e.Name).Order());
        var bob = first[0].Entered.Single(e => e.Name == "Bob");
        Assert.Equal(2u, bob.EntityId);
        Assert.Equal(b.CharacterId.ToString(), bob.CharacterId);
        Assert.Equal(7u, bob.Level);
        Assert.Equal(20f, bob.Position.X);
        // Cid as Ann's client sees him is byte for byte Cid as Bob's does.
        Assert.Equal(first[0].Entered.Single(e => e.Name == "Cid"), first[1].Entered.Single(e => e.Name == "Cid"));

        _view.Move(c, new Position(35, 12));
        _view.Remove(b);
        var second = Tick(2, a);
        Assert.Empty(second[0].Entered);
        var moved = Assert.Single(second[0].Moved);
        Assert.Equal(3u, moved.EntityId);
        Assert.Equal(35f, moved.Position.X);
        Assert.Equal(12f, moved.Position.Y);
        Assert.Equal([2u], second[0].Left);
        Assert.False(second[0].Full);

        _view.Forget(a);
        var third = Tick(3, a);
        Assert.True(third[0].Full);
        Assert.Equal("Cid", Assert.Single(third[0].Entered).Name);
        Assert.Equal(35f, third[0].Entered[0].Position.X);
    }

    private List<Wire.WorldUpdate> Tick(long tick, params ZonePlayer[] observers)
    {
        _view.BeginTick();
        _encoder.BeginTick(tick);
        _writer.Clear();
        foreach (var observer in observers)
        {
            _view.Compute(observer, _changes);
            _writer.BeginFrame(observer.Session, observer.CharacterId, (ushort)Opcode.WorldUpdate);
            _encoder.WriteUpdate(_writer, observer, _changes);
            _writer.EndFrame();
        }

        _view.EndTick();
        var batch = _writer.ToBatch("meadow", tick);
        return [.. Enumerable.Range(0, batch.Count).Select(i => Wire.WorldUpdate.Parser.ParseFrom(batch.PayloadOf(i)))];
    }

    private ZonePlayer Add(uint id, string name, float x, float y)
    {
        var session = new PlayerSession(Guid.NewGuid(), "gw", id, null!);
        var player = new ZonePlayer(id, Guid.NewGuid(), name, 7, new Position(x, y), session, Curve);
        _view.Add(player);
        return player;
    }
}
