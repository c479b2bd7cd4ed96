using System.Buffers;
using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Protocol;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World;

/// <summary>
/// Who is where in one zone. Moves only record positions; the tick (10 Hz by default) works out,
/// for every player, which entities entered, moved in or left its view, and sends all of it in
/// one <see cref="IGatewayObserver.Deliver"/> call per gateway.
/// </summary>
/// <remarks>
/// Each moving entity's update is encoded once per tick and copied into every payload that needs
/// it. Nothing here is stored: after a failover the zone starts empty and players enter again
/// (a player grain whose zone forgot it re-enters on its next move).
/// </remarks>
[GrainType("zone")]
public sealed partial class ZoneGrain(
    GameDataCatalog gameData,
    IOptions<WorldOptions> options,
    WorldMetrics metrics,
    ILogger<ZoneGrain> logger) : Grain, IZoneGrain
{
    private readonly WorldOptions _options = options.Value;
    private readonly Dictionary<uint, Member> _members = [];
    private readonly Dictionary<Guid, uint> _byCharacter = [];
    private readonly Dictionary<string, GatewayLink> _gateways = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PushWriter> _writers = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _chunks = new(16 * 1024);
    private readonly List<uint> _candidates = [];
    private readonly List<uint> _capOthers = [];
    private readonly List<uint> _entered = [];
    private readonly List<uint> _moved = [];
    private readonly List<uint> _left = [];
    private readonly Wire.EntityMoved _movedMessage = new() { Position = new Wire.Vec2() };

    private ZoneDefinition _zone = null!;
    private InterestGrid _grid = null!;
    private byte[] _zoneIdField = [];
    private uint _lastEntityId;
    private long _tick;
    private IGrainTimer? _timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var zoneId = this.GetPrimaryKeyString();
        _zone = gameData.Zones.TryGetValue(zoneId, out var zone)
            ? zone
            : throw new InvalidOperationException($"Zone '{zoneId}' is not in the game data.");
        _grid = new InterestGrid(_options.CellSize);
        var field = new ArrayBufferWriter<byte>();
        var id = new Wire.WorldUpdate { ZoneId = zoneId };
        id.WriteTo(field);
        _zoneIdField = field.WrittenSpan.ToArray();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.SetPlayers(_zone.Id, 0);
        return Task.CompletedTask;
    }

    public Task<uint> Enter(ZoneMember member)
    {
        var position = Clamp(member.Position);
        if (_byCharacter.TryGetValue(member.CharacterId, out var existing))
        {
            // The same character from a new connection (a resume): same entity, but its new
            // connection knows nothing yet, so it is sent its whole view again.
            var present = _members[existing];
            present.Session = member.Session;
            present.Position = position;
            present.Moved = true;
            present.Known.Clear();
            _grid.Move(existing, position);
            Link(member.Session);
            return Task.FromResult(existing);
        }

        var id = ++_lastEntityId;
        _members.Add(id, new Member(id, member.CharacterId, member.Name, member.Level, position, member.Session));
        _byCharacter.Add(member.CharacterId, id);
        _grid.Add(id, position);
        Link(member.Session);
        metrics.SetPlayers(_zone.Id, _members.Count);
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(_options.TickInterval, _options.TickInterval) { KeepAlive = true });
        LogEntered(logger, member.CharacterId, _zone.Id, id);
        return Task.FromResult(id);
    }

    public Task Leave(Guid characterId)
    {
        if (_byCharacter.Remove(characterId, out var id))
        {
            // Those who saw it hear "left" on the next tick: it is no longer in the grid.
            _members.Remove(id);
            _grid.Remove(id);
            metrics.SetPlayers(_zone.Id, _members.Count);
            LogLeft(logger, characterId, _zone.Id);
        }

        return Task.CompletedTask;
    }

    public Task<bool> Move(Guid characterId, Position position)
    {
        if (!_byCharacter.TryGetValue(characterId, out var id))
        {
            return Task.FromResult(false);
        }

        var member = _members[id];
        member.Position = Clamp(position);
        member.Moved = true;
        _grid.Move(id, member.Position);
        return Task.FromResult(true);
    }

    public Task<bool> Chat(ChatLine line)
    {
        if (!_byCharacter.TryGetValue(line.FromCharacterId, out var speakerId))
        {
            return Task.FromResult(false);
        }

        var payload = ChatPayload.Encode(line);
        var speaker = _members[speakerId];
        if (line.Channel == ChatChannel.Say)
        {
            _candidates.Clear();
            _grid.Query(speaker.Position, _options.ViewRadius, _candidates);
            foreach (var id in _candidates)
            {
                Writer(_members[id].Session).WriteFrame(_members[id].Session, _members[id].CharacterId, (ushort)Opcode.ChatMessage, payload);
            }
        }
        else
        {
            foreach (var member in _members.Values)
            {
                Writer(member.Session).WriteFrame(member.Session, member.CharacterId, (ushort)Opcode.ChatMessage, payload);
            }
        }

        // Tick 0: chat goes out at once, outside the tick's one-call-per-gateway budget.
        SendAll("chat", 0);
        return Task.FromResult(true);
    }

    private Task TickAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        _tick++;
        _chunks.ResetWrittenCount();

        // Each moving entity's update, encoded once for all who see it.
        foreach (var member in _members.Values)
        {
            if (member.Moved)
            {
                var start = _chunks.WrittenCount;
                _movedMessage.EntityId = member.Id;
                _movedMessage.Position.X = member.Position.X;
                _movedMessage.Position.Y = member.Position.Y;
                PushWriter.WriteMessageField(_chunks, Wire.WorldUpdate.MovedFieldNumber, _movedMessage);
                member.MovedChunk = (start, _chunks.WrittenCount - start);
            }
        }

        long updates = 0;
        foreach (var recipient in _members.Values)
        {
            updates += UpdateView(recipient);
        }

        foreach (var member in _members.Values)
        {
            member.Moved = false;
            member.AppearedChunk = default;
        }

        SendAll(_zone.Id, _tick);
        metrics.EntityUpdates.Add(updates);
        metrics.TickDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        if (_members.Count == 0)
        {
            // Nobody left to tell anything: let the zone be collected when idle.
            _timer?.Dispose();
            _timer = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>Works out what changed in one player's view and writes its WorldUpdate, if anything did.</summary>
    private int UpdateView(Member recipient)
    {
        _candidates.Clear();
        _grid.Query(recipient.Position, _options.ViewRadius, _candidates, exclude: recipient.Id);
        if (_candidates.Count > _options.MaxVisibleEntities)
        {
            Cap(recipient);
        }

        _entered.Clear();
        _moved.Clear();
        _left.Clear();
        var next = recipient.NextKnown;
        next.Clear();
        foreach (var id in _candidates)
        {
            next.Add(id);
            if (!recipient.Known.Contains(id))
            {
                _entered.Add(id);
            }
            else if (_members[id].Moved)
            {
                _moved.Add(id);
            }
        }

        foreach (var id in recipient.Known)
        {
            if (!next.Contains(id))
            {
                _left.Add(id);
            }
        }

        recipient.NextKnown = recipient.Known;
        recipient.Known = next;

        var changes = _entered.Count + _moved.Count + _left.Count;
        if (changes == 0)
        {
            return 0;
        }

        var writer = Writer(recipient.Session);
        writer.BeginFrame(recipient.Session, recipient.CharacterId, (ushort)Opcode.WorldUpdate);
        writer.WriteRaw(_zoneIdField);
        writer.WriteVarintField(Wire.WorldUpdate.TickFieldNumber, (ulong)_tick);
        foreach (var id in _entered)
        {
            writer.WriteRaw(AppearedChunk(_members[id]));
        }

        foreach (var id in _moved)
        {
            var (start, length) = _members[id].MovedChunk;
            writer.WriteRaw(_chunks.WrittenSpan.Slice(start, length));
        }

        foreach (var id in _left)
        {
            // Unpacked repeated field: every protobuf parser accepts it for a packed one.
            writer.WriteVarintField(Wire.WorldUpdate.LeftFieldNumber, id);
        }

        writer.EndFrame();
        return changes;
    }

    /// <summary>
    /// Too many in view: those already known keep their place (views stay stable, and a crowd that
    /// stays put costs one pass, no sorting); free places go to the nearest of the others.
    /// </summary>
    private void Cap(Member recipient)
    {
        var cap = _options.MaxVisibleEntities;
        _capOthers.Clear();
        var kept = 0;
        // Compacts in place: slot "kept" is never ahead of the one being read.
        for (var i = 0; i < _candidates.Count; i++)
        {
            var id = _candidates[i];
            if (kept < cap && recipient.Known.Contains(id))
            {
                _candidates[kept++] = id;
            }
            else
            {
                _capOthers.Add(id);
            }
        }

        if (kept < cap && _capOthers.Count > 0)
        {
            var center = recipient.Position;
            _capOthers.Sort((a, b) => _members[a].Position.DistanceSquaredTo(center).CompareTo(_members[b].Position.DistanceSquaredTo(center)));
            foreach (var id in _capOthers)
            {
                if (kept == cap)
                {
                    break;
                }

                // Known ones beyond the cap were skipped above; only strangers fill the free places.
                if (!recipient.Known.Contains(id))
                {
                    _candidates[kept++] = id;
                }
            }
        }

        _candidates.RemoveRange(kept, _candidates.Count - kept);
    }

    private ReadOnlySpan<byte> AppearedChunk(Member member)
    {
        if (member.AppearedChunk.Length == 0)
        {
            var start = _chunks.WrittenCount;
            PushWriter.WriteMessageField(_chunks, Wire.WorldUpdate.EnteredFieldNumber, new Wire.EntityAppeared
            {
                EntityId = member.Id,
                CharacterId = member.CharacterIdText,
                Name = member.Name,
                Level = (uint)member.Level,
                Position = new Wire.Vec2 { X = member.Position.X, Y = member.Position.Y },
            });
            member.AppearedChunk = (start, _chunks.WrittenCount - start);
        }

        return _chunks.WrittenSpan.Slice(member.AppearedChunk.Start, member.AppearedChunk.Length);
    }

    private PushWriter Writer(PlayerSession session)
    {
        if (!_writers.TryGetValue(session.GatewayId, out var writer))
        {
            writer = new PushWriter();
            _writers.Add(session.GatewayId, writer);
        }

        return writer;
    }

    private void Link(PlayerSession session)
    {
        if (_gateways.TryGetValue(session.GatewayId, out var link))
        {
            link.Observer = session.Gateway;
        }
        else
        {
            _gateways.Add(session.GatewayId, new GatewayLink(session.GatewayId, session.Gateway));
        }
    }

    /// <summary>One call per gateway with everything written for its players since the last send.</summary>
    private void SendAll(string source, long tick)
    {
        foreach (var (gatewayId, writer) in _writers)
        {
            if (writer.Count == 0)
            {
                continue;
            }

            if (!_gateways.TryGetValue(gatewayId, out var link))
            {
                writer.Clear();
                continue;
            }

            if (link.Pending >= _options.MaxPendingDeliveries)
            {
                metrics.DroppedFrames.Add(writer.Count);
                writer.Clear();
                continue;
            }

            var batch = writer.ToBatch(source, tick);
            writer.Clear();
            link.Pending++;
            metrics.Deliveries.Add(1);
            _ = TrackAsync(link, link.Observer.Deliver(batch));
        }
    }

    private async Task TrackAsync(GatewayLink link, Task delivery)
    {
        try
        {
            await delivery.WaitAsync(_options.DeliveryTimeout);
            link.Failures = 0;
        }
        catch (Exception ex)
        {
            metrics.DeliveryFailures.Add(1);
            link.Failures++;
            LogDeliveryFailed(logger, link.GatewayId, _zone.Id, link.Failures, ex.GetType().Name);
            if (link.Failures >= _options.MaxDeliveryFailures)
            {
                DropGateway(link.GatewayId);
            }
        }
        finally
        {
            link.Pending--;
        }
    }

    /// <summary>The gateway stopped answering: its players are gone from here (they enter again when they resume elsewhere).</summary>
    private void DropGateway(string gatewayId)
    {
        if (!_gateways.Remove(gatewayId))
        {
            return;
        }

        var dropped = _members.Values.Where(m => m.Session.GatewayId == gatewayId).Select(m => m.CharacterId).ToList();
        foreach (var characterId in dropped)
        {
            Leave(characterId);
        }

        _writers.Remove(gatewayId);
        LogGatewayDropped(logger, gatewayId, _zone.Id, dropped.Count);
    }

    private Position Clamp(Position p) => new(Math.Clamp(p.X, 0, _zone.Width), Math.Clamp(p.Y, 0, _zone.Height));

    [LoggerMessage(EventId = LogEvents.ZoneEntered, Level = LogLevel.Debug, Message = "Character {CharacterId} entered zone {ZoneId} as entity {EntityId}")]
    private static partial void LogEntered(ILogger logger, Guid characterId, string zoneId, uint entityId);

    [LoggerMessage(EventId = LogEvents.ZoneLeft, Level = LogLevel.Debug, Message = "Character {CharacterId} left zone {ZoneId}")]
    private static partial void LogLeft(ILogger logger, Guid characterId, string zoneId);

    [LoggerMessage(EventId = LogEvents.ZoneDeliveryFailed, Level = LogLevel.Warning, Message = "Delivery to gateway {GatewayId} from zone {ZoneId} failed ({Failures} in a row): {Error}")]
    private static partial void LogDeliveryFailed(ILogger logger, string gatewayId, string zoneId, int failures, string error);

    [LoggerMessage(EventId = LogEvents.ZoneGatewayDropped, Level = LogLevel.Warning, Message = "Zone {ZoneId} dropped gateway {GatewayId} and its {Players} players: it stopped answering")]
    private static partial void LogGatewayDropped(ILogger logger, string gatewayId, string zoneId, int players);

    private sealed class Member(uint id, Guid characterId, string name, int level, Position position, PlayerSession session)
    {
        public uint Id { get; } = id;
        public Guid CharacterId { get; } = characterId;
        public string CharacterIdText { get; } = characterId.ToString();
        public string Name { get; } = name;
        public int Level { get; } = level;
        public Position Position { get; set; } = position;
        public PlayerSession Session { get; set; } = session;

        /// <summary>Entities this player's client currently knows (was told entered and not yet left).</summary>
        public HashSet<uint> Known { get; set; } = [];

        /// <summary>The other half of a double buffer with <see cref="Known"/>, so a tick allocates no sets.</summary>
        public HashSet<uint> NextKnown { get; set; } = [];

        public bool Moved { get; set; } = true;
        public (int Start, int Length) MovedChunk { get; set; }
        public (int Start, int Length) AppearedChunk { get; set; }
    }

    private sealed class GatewayLink(string gatewayId, IGatewayObserver observer)
    {
        public string GatewayId { get; } = gatewayId;
        public IGatewayObserver Observer { get; set; } = observer;
        public int Pending { get; set; }
        public int Failures { get; set; }
    }
}
