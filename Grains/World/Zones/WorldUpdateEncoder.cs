using System.Buffers;
using Google.Protobuf;
using OrleansMmo.Grains.Gateways;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>
/// Writes WorldUpdate payloads from pieces encoded once per tick. A protobuf message is the
/// concatenation of its fields, so an entity's "entered" or "moved" field is encoded the first time
/// a tick needs it and then copied into every update that names it, however many observers see it.
/// </summary>
/// <remarks>
/// Pieces live in one buffer that <see cref="BeginTick"/> empties; each entity remembers where its
/// pieces of the current tick are. Repeated fields are written unpacked, which every protobuf parser
/// accepts for a packed one, and fields may come in any order.
/// </remarks>
public sealed class WorldUpdateEncoder
{
    private readonly ArrayBufferWriter<byte> _pieces = new(16 * 1024);
    private readonly byte[] _zoneIdField;
    private readonly Wire.EntityMoved _moved = new() { Position = new Wire.Vec2() };
    private readonly Wire.EntityStatus _status = new();
    private readonly Wire.CombatEvent _hit = new();
    private long _tick;

    public WorldUpdateEncoder(string zoneId)
    {
        _zoneIdField = new Wire.WorldUpdate { ZoneId = zoneId }.ToByteArray();
    }

    public long Tick => _tick;

    /// <summary>Starts a tick: pieces of the previous one are forgotten.</summary>
    public void BeginTick(long tick)
    {
        _tick = tick;
        _pieces.ResetWrittenCount();
    }

    /// <summary>Writes <paramref name="observer"/>'s WorldUpdate payload into the current frame of <paramref name="writer"/>.</summary>
    public void WriteUpdate(PushWriter writer, ViewEntity observer, ViewChanges changes)
    {
        writer.WriteRaw(_zoneIdField);
        writer.WriteVarintField(Wire.WorldUpdate.TickFieldNumber, (ulong)_tick);
        if (changes.Full)
        {
            writer.WriteVarintField(Wire.WorldUpdate.FullFieldNumber, 1);
        }

        foreach (var entity in changes.Entered)
        {
            // Whole, as it is now; and the hits it took this tick, which its appearance does not tell.
            writer.WriteRaw(Appeared(entity));
            if ((entity.Changes & EntityChanges.Events) != 0)
            {
                writer.WriteRaw(Events(entity));
            }
        }

        foreach (var entity in changes.Updated)
        {
            var changed = entity.Changes;
            if ((changed & EntityChanges.Moved) != 0)
            {
                writer.WriteRaw(Moved(entity));
            }

            if ((changed & EntityChanges.Status) != 0)
            {
                writer.WriteRaw(Status(entity));
            }

            if ((changed & EntityChanges.Events) != 0)
            {
                writer.WriteRaw(Events(entity));
            }
        }

        foreach (var id in changes.Left)
        {
            writer.WriteVarintField(Wire.WorldUpdate.LeftFieldNumber, id);
        }

        if ((changes.Self & EntityChanges.Events) != 0)
        {
            writer.WriteRaw(Events(observer));
        }

        if ((changes.Self & EntityChanges.Status) != 0)
        {
            // Only the observer is told this: no piece to share.
            var self = new Wire.SelfStatus();
            observer.DescribeSelf(self);
            writer.WriteMessageField(Wire.WorldUpdate.SelfFieldNumber, self);
        }
    }

    private ReadOnlySpan<byte> Appeared(ViewEntity entity)
    {
        ref var pieces = ref PiecesOf(entity);
        if (pieces.Appeared.Length == 0)
        {
            var appeared = new Wire.EntityAppeared
            {
                EntityId = entity.Id,
                Position = new Wire.Vec2 { X = entity.Position.X, Y = entity.Position.Y },
            };
            entity.DescribeAppearance(appeared);
            pieces.Appeared = Write(Wire.WorldUpdate.EnteredFieldNumber, appeared);
        }

        return Slice(pieces.Appeared);
    }

    private ReadOnlySpan<byte> Moved(ViewEntity entity)
    {
        ref var pieces = ref PiecesOf(entity);
        if (pieces.Moved.Length == 0)
        {
            _moved.EntityId = entity.Id;
            _moved.Position.X = entity.Position.X;
            _moved.Position.Y = entity.Position.Y;
            pieces.Moved = Write(Wire.WorldUpdate.MovedFieldNumber, _moved);
        }

        return Slice(pieces.Moved);
    }

    private ReadOnlySpan<byte> Status(ViewEntity entity)
    {
        ref var pieces = ref PiecesOf(entity);
        if (pieces.Status.Length == 0)
        {
            _status.EntityId = entity.Id;
            entity.DescribeStatus(_status);
            pieces.Status = Write(Wire.WorldUpdate.ChangedFieldNumber, _status);
        }

        return Slice(pieces.Status);
    }

    /// <summary>All hits the entity took this tick, as consecutive <c>combat</c> fields.</summary>
    private ReadOnlySpan<byte> Events(ViewEntity entity)
    {
        ref var pieces = ref PiecesOf(entity);
        if (pieces.Events.Length == 0)
        {
            var start = _pieces.WrittenCount;
            foreach (var hit in entity.Hits)
            {
                _hit.AttackerId = hit.AttackerId;
                _hit.TargetId = hit.TargetId;
                _hit.Damage = (uint)Math.Max(0, hit.Damage);
                _hit.Killed = hit.Killed;
                PushWriter.WriteMessageField(_pieces, Wire.WorldUpdate.CombatFieldNumber, _hit);
            }

            pieces.Events = (start, _pieces.WrittenCount - start);
        }

        return Slice(pieces.Events);
    }

    /// <summary>The entity's pieces of this tick, emptied if they are from an earlier one.</summary>
    private ref ViewEntity.EncodedPieces PiecesOf(ViewEntity entity)
    {
        ref var pieces = ref entity.Pieces;
        if (pieces.Tick != _tick)
        {
            pieces = new ViewEntity.EncodedPieces { Tick = _tick };
        }

        return ref pieces;
    }

    private (int Start, int Length) Write(int field, IMessage message)
    {
        var start = _pieces.WrittenCount;
        PushWriter.WriteMessageField(_pieces, field, message);
        return (start, _pieces.WrittenCount - start);
    }

    private ReadOnlySpan<byte> Slice((int Start, int Length) piece) => _pieces.WrittenSpan.Slice(piece.Start, piece.Length);
}
