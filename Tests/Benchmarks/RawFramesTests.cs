using Google.Protobuf;
using OrleansMmo.Bots.Raw;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.Benchmarks;

/// <summary>
/// The raw driver's frames against the generated protobuf code: the Move it writes is the SDK's Move, and what it
/// counts and reads from answers and pushes is what a full decode finds.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RawFramesTests
{
    [Theory]
    [InlineData(500.25f, 499.75f, 7u)]
    [InlineData(0.01f, 999.99f, uint.MaxValue)]
    public void AMoveFrameIsTheFrameTheCodecWritesForTheSameRequest(float x, float y, uint requestId)
    {
        var raw = new byte[RawFrames.MoveFrameSize];
        RawFrames.WriteMove(raw, requestId, x, y);

        var request = new MoveRequest { Position = new Vec2 { X = x, Y = y } };
        var expected = new byte[FrameCodec.FrameSize(request)];
        FrameCodec.WriteFrame(expected, (ushort)Opcode.Move, requestId, request);
        Assert.Equal(expected, raw);
    }

    [Fact]
    public void AMoveFrameAtTheOriginStillParsesAsTheOrigin()
    {
        // The codec leaves zeros out; the raw frame writes them, which a parser reads the same.
        var raw = new byte[RawFrames.MoveFrameSize];
        RawFrames.WriteMove(raw, 1, 0, 0);

        var parsed = MoveRequest.Parser.ParseFrom(raw.AsSpan(FrameHeader.Size));
        Assert.Equal(0, parsed.Position.X);
        Assert.Equal(0, parsed.Position.Y);
    }

    [Fact]
    public void WorldUpdateCountsAreThoseOfTheFullDecode()
    {
        var random = new Random(15);
        for (var i = 0; i < 500; i++)
        {
            var update = RandomUpdate(random);
            var payload = update.ToByteArray();

            var counts = RawFrames.CountWorldUpdate(payload);

            var decoded = WorldUpdate.Parser.ParseFrom(payload);
            Assert.Equal(decoded.Entered.Count, counts.Entered);
            Assert.Equal(decoded.Moved.Count, counts.Moved);
            Assert.Equal(decoded.Left.Count, counts.Left);
            Assert.Equal(decoded.Full, counts.Full);
            Assert.Equal(decoded.Entered.Count + decoded.Moved.Count, counts.EntityUpdates);
        }
    }

    [Fact]
    public void LeftIdsAreCountedWhetherPackedOrNot()
    {
        // proto3 writes repeated integers packed, but a parser must take them one by one too.
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var id in new uint[] { 1, 300, 70_000 })
        {
            output.WriteTag(5, WireFormat.WireType.Varint);
            output.WriteUInt32(id);
        }

        output.WriteTag(5, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(new WorldUpdate { Left = { 2, 128, 16_384, 5 } }.ToByteArray()[2..]));
        output.Flush();
        var payload = stream.ToArray();

        Assert.Equal(WorldUpdate.Parser.ParseFrom(payload).Left.Count, RawFrames.CountWorldUpdate(payload).Left);
        Assert.Equal(7, RawFrames.CountWorldUpdate(payload).Left);
    }

    [Fact]
    public void MoveAnswersReadAsTheGeneratedParserReadsThem()
    {
        MoveResponse[] answers =
        [
            new() { Accepted = true, Position = new Vec2 { X = 12.5f, Y = 400 } },
            new() { Accepted = false, Position = new Vec2 { X = 3, Y = 0 }, Rejection = MoveRejection.TooFast },
            new() { Accepted = false, Rejection = MoveRejection.Dead },
            new()
            {
                Accepted = true,
                Position = new Vec2 { X = 30, Y = 500 },
                ZoneChanged = new ZoneArrival { EntityId = 9, Position = new Vec2 { X = 30, Y = 500 }, Zone = new ZoneInfo { ZoneId = "forest", Width = 1500 } },
            },
        ];
        foreach (var expected in answers)
        {
            var answer = RawFrames.ReadMoveAnswer(expected.ToByteArray());

            Assert.Equal(expected.Accepted, answer.Accepted);
            Assert.Equal(expected.Position is not null, answer.HasPosition);
            Assert.Equal(expected.Position?.X ?? 0, answer.X);
            Assert.Equal(expected.Position?.Y ?? 0, answer.Y);
            Assert.Equal((int)expected.Rejection, answer.Rejection);
            Assert.Equal(expected.ZoneChanged is not null, answer.ZoneChanged);
        }
    }

    [Fact]
    public void RespawnAnswersReadAsTheGeneratedParserReadsThem()
    {
        Assert.Equal((true, 480f, 470.5f), RawFrames.ReadRespawnAnswer(new RespawnResponse { Respawned = true, Position = new Vec2 { X = 480, Y = 470.5f }, Health = 100 }.ToByteArray()));
        Assert.Equal((false, 0f, 0f), RawFrames.ReadRespawnAnswer(new RespawnResponse().ToByteArray()));
    }

    [Fact]
    public void ErrorsAndDisconnectsReadTheirCodes()
    {
        var error = new ErrorResponse { Code = ErrorCode.MoveRateLimited, Detail = "too many moves", RetryAfterMs = 250 };
        Assert.Equal(((int)ErrorCode.MoveRateLimited, 250u), RawFrames.ReadError(error.ToByteArray()));

        var notice = new DisconnectNotice { Reason = DisconnectReason.SlowConsumer, Detail = "queue full" };
        Assert.Equal((int)DisconnectReason.SlowConsumer, RawFrames.ReadDisconnectReason(notice.ToByteArray()));
    }

    [Fact]
    public void ATruncatedUpdateIsRefusedNotMiscounted()
    {
        var payload = RandomUpdate(new Random(1), atLeastOne: true).ToByteArray();

        Assert.Throws<InvalidDataException>(() => RawFrames.CountWorldUpdate(payload.AsSpan(0, payload.Length - 1)));
    }

    private static WorldUpdate RandomUpdate(Random random, bool atLeastOne = false)
    {
        var update = new WorldUpdate { ZoneId = "meadow", Tick = (ulong)random.NextInt64(0, long.MaxValue), Full = random.Next(4) == 0 };
        var entered = random.Next(atLeastOne ? 1 : 0, 120);
        for (var i = 0; i < entered; i++)
        {
            update.Entered.Add(new EntityAppeared
            {
                EntityId = (uint)random.Next(),
                CharacterId = random.Next(2) == 0 ? Guid.NewGuid().ToString() : "",
                Name = $"p{i}",
                Level = (uint)random.Next(1, 60),
                Position = new Vec2 { X = random.NextSingle() * 1000, Y = random.NextSingle() * 1000 },
                Kind = (EntityKind)random.Next(0, 3),
                HealthPercent = (uint)random.Next(0, 101),
                Dead = random.Next(10) == 0,
            });
        }

        for (var i = random.Next(0, 120); i > 0; i--)
        {
            update.Moved.Add(new EntityMoved { EntityId = (uint)random.Next(), Position = new Vec2 { X = random.NextSingle() * 1000, Y = random.NextSingle() } });
        }

        for (var i = random.Next(0, 40); i > 0; i--)
        {
            update.Left.Add((uint)random.Next());
        }

        for (var i = random.Next(0, 5); i > 0; i--)
        {
            update.Changed.Add(new EntityStatus { EntityId = (uint)random.Next(), Level = 3, HealthPercent = 50, Dead = true });
            update.Combat.Add(new CombatEvent { AttackerId = 1, TargetId = (uint)random.Next(), Damage = 12, Killed = true });
        }

        if (random.Next(3) == 0)
        {
            update.Self = new SelfStatus { Level = 4, Health = 10, MaxHealth = 100 };
        }

        return update;
    }
}
