using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Grains.Security;
using OrleansMmo.Protocol;
using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World;

/// <summary>A world's settings that operators change at run time; the rest comes from the game data.</summary>
[GenerateSerializer, Alias("mmo.WorldSettingsState")]
public sealed class WorldSettingsState
{
    /// <summary>Overrides the game data's capacity; null: the game data's.</summary>
    [Id(0)] public int? Capacity { get; set; }
    [Id(1)] public bool Maintenance { get; set; }
}

/// <summary>
/// One world: its occupants, its capacity, and its FIFO login queue. Nobody jumps the queue: a newcomer
/// is let in only while nobody waits. When a place frees up, the first waiting client is told it is its
/// turn and the place is held for it (<see cref="WorldOptions.QueueTurnGrace"/>); held places count as
/// occupied. Positions are pushed to every waiting client each <see cref="WorldOptions.QueueUpdateInterval"/>, a
/// slice of the queue at a time (<see cref="WorldOptions.QueueUpdateSlices"/>): a long queue's pushes are spread over
/// the interval instead of leaving, and reaching the gateways and the clients' sockets, all in the same instant.
/// </summary>
/// <remarks>
/// Nothing but the settings is stored. Who is in the world is rebuilt from the gateways at activation and
/// re-counted every <see cref="WorldOptions.ReconcileInterval"/> (so players of a gateway that died leave
/// the count). The queue is in memory; after a failover, clients come back with their signed tickets and
/// are put back in their order (the ticket holds the sequence), ahead of anyone who joined since.
/// </remarks>
[GrainType("world")]
public sealed partial class WorldGrain(
    [WriteBehindState("world", StorageNames.Game)] IWriteBehindState<WorldSettingsState> state,
    GameDataCatalog gameData,
    IOptions<WorldOptions> options,
    TicketSigner signer,
    TimeProvider time,
    ILogger<WorldGrain> logger) : Grain, IWorldGrain
{
    /// <summary>Admissions remembered for the wait estimate.</summary>
    private const int AdmissionsForEstimate = 256;

    private readonly WorldOptions _options = options.Value;
    private readonly Dictionary<Guid, Occupant> _inside = [];
    private readonly SortedList<long, QueueEntry> _queue = [];
    private readonly Dictionary<Guid, QueueEntry> _byAccount = [];
    private readonly Queue<DateTimeOffset> _admissions = new();
    private WorldDefinition _world = null!;
    private long _lastSequence;
    private long _lastStatusVersion;
    private int _ready;
    // Each entry's slice is given in turn as it joins, so the slices stay even however the queue moves.
    private int _nextSlice;
    private long _ticks;
    // Turns handed out since the last tick, against the tick's share of World:QueueTurnsPerSecond.
    private int _turnsThisTick;
    private bool _zonesHealthy = true;
    private DateTimeOffset _checkedAt;

    private string WorldId => _world.Id;

    private int Capacity => state.State.Capacity ?? _world.Capacity;

    /// <summary>Occupied places: characters in the world and places held for clients whose turn came.</summary>
    private int Occupancy => _inside.Count + _ready;

    private int Waiting => _queue.Count - _ready;

    private TimeSpan TickPeriod => _options.QueueUpdateInterval / _options.QueueUpdateSlices;

    /// <summary>Turns one tick may hand out: its share of <see cref="WorldOptions.QueueTurnsPerSecond"/>, at least one.</summary>
    private int TurnsPerTick => Math.Max(1, (int)Math.Ceiling(_options.QueueTurnsPerSecond * TickPeriod.TotalSeconds));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        _world = gameData.Worlds.TryGetValue(id, out var world) ? world : throw new InvalidOperationException($"World '{id}' is not in the game data.");
        _lastSequence = time.GetUtcNow().UtcTicks;
        _lastStatusVersion = (time.GetUtcNow() + _options.ClockSkewAllowance).UtcTicks;
        _checkedAt = time.GetUtcNow();
        await ReconcileAsync(initial: true);
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TickPeriod, TickPeriod) { KeepAlive = true });
        this.RegisterGrainTimer(_ => ProbeZonesAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, _options.ZoneProbeInterval) { Interleave = true, KeepAlive = true });
        this.RegisterGrainTimer(_ => ReconcileAsync(initial: false), new GrainTimerCreationOptions(_options.ReconcileInterval, _options.ReconcileInterval) { Interleave = true, KeepAlive = true });
    }

    public Task<Admission> Admit(AdmissionRequest request)
    {
        var now = time.GetUtcNow();
        if (_inside.TryGetValue(request.CharacterId, out var present))
        {
            // Entering again: a resume, or a player grain re-attaching after a failover.
            present.Move(request);
            return Task.FromResult(new Admission(AdmissionOutcome.Admitted, null));
        }

        if (state.State.Maintenance && !request.IsGameMaster)
        {
            return Task.FromResult(new Admission(AdmissionOutcome.Maintenance, null));
        }

        var entry = FindEntry(request);
        if (request.IsGameMaster)
        {
            if (entry is not null)
            {
                RemoveEntry(entry);
            }

            Let(request, now);
            return Task.FromResult(new Admission(AdmissionOutcome.Admitted, null));
        }

        if (entry is null)
        {
            if (Waiting == 0 && Occupancy < Capacity)
            {
                Let(request, now);
                return Task.FromResult(new Admission(AdmissionOutcome.Admitted, null));
            }

            if (_queue.Count >= _options.MaxQueueLength)
            {
                return Task.FromResult(new Admission(AdmissionOutcome.QueueFull, null));
            }

            entry = new QueueEntry(request.AccountId, NextSequence());
            AddEntry(entry);
            LogQueued(logger, WorldId, request.AccountId, _queue.Count);
        }

        entry.Bind(request);
        if (entry.ReadyUntil is not null)
        {
            RemoveEntry(entry);
            Let(request, now);
            return Task.FromResult(new Admission(AdmissionOutcome.Admitted, null));
        }

        return Task.FromResult(new Admission(AdmissionOutcome.Queued, Place(entry, now)));
    }

    public Task Leave(Guid characterId)
    {
        if (_inside.Remove(characterId))
        {
            Advance(time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public Task LeaveQueue(Guid accountId)
    {
        if (_byAccount.TryGetValue(accountId, out var entry))
        {
            RemoveEntry(entry);
            Advance(time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public Task QueueDisconnected(Guid accountId, long connectionId)
    {
        if (_byAccount.TryGetValue(accountId, out var entry) && entry.ConnectionId == connectionId)
        {
            entry.DisconnectedAt ??= time.GetUtcNow();
        }

        return Task.CompletedTask;
    }

    public Task<WorldStatus> GetStatus() => Task.FromResult(Status());

    public async Task<WorldStatus> Configure(int? capacity, bool? maintenance, bool kickPlayers)
    {
        if (capacity is { } value && value is < 1 or > GameDataLoader.MaxWorldCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), $"capacity must be 1 to {GameDataLoader.MaxWorldCapacity}");
        }

        var (oldCapacity, oldMaintenance) = (state.State.Capacity, state.State.Maintenance);
        state.State.Capacity = capacity ?? state.State.Capacity;
        state.State.Maintenance = maintenance ?? state.State.Maintenance;
        try
        {
            await state.WriteThroughAsync();
        }
        catch
        {
            (state.State.Capacity, state.State.Maintenance) = (oldCapacity, oldMaintenance);
            throw;
        }

        LogConfigured(logger, WorldId, Capacity, state.State.Maintenance);
        if (state.State.Maintenance && kickPlayers)
        {
            foreach (var occupant in _inside.Values.Where(o => !o.IsGameMaster && o.AccountKey.Length > 0).ToList())
            {
                await GrainFactory.GetGrain<Accounts.IAccountGrain>(occupant.AccountKey).Kick("world maintenance");
            }
        }

        Advance(time.GetUtcNow());
        return Status();
    }

    /// <summary>
    /// Expires held turns and lost connections, lets the next in, and tells one slice of the waiting clients where they
    /// stand: each slice in turn, so every client hears once per <see cref="WorldOptions.QueueUpdateInterval"/>.
    /// </summary>
    private Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        bool TurnMissed(QueueEntry entry) => entry.ReadyUntil is { } until && until <= now;
        // Ticks come every 200 ms: the queue is walked without a copy, and only what leaves it is listed.
        List<QueueEntry>? leaving = null;
        foreach (var entry in _queue.Values)
        {
            if (TurnMissed(entry) || (entry.DisconnectedAt is { } lost && now - lost > _options.QueueReconnectGrace))
            {
                (leaving ??= []).Add(entry);
            }
        }

        foreach (var entry in leaving ?? [])
        {
            RemoveEntry(entry);
            if (TurnMissed(entry))
            {
                // Its turn came and went: the place goes to the next one.
                LogTurnMissed(logger, WorldId, entry.AccountId);
            }
            else
            {
                LogPlaceLost(logger, WorldId, entry.AccountId);
            }
        }

        _turnsThisTick = 0;
        Advance(now);
        var slice = (int)(_ticks++ % _options.QueueUpdateSlices);
        PushPlaces(e => e.Slice == slice && e.DisconnectedAt is null, now);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Gives free places to the first waiting clients, in order, and tells them at once; at most the tick's share of
    /// <see cref="WorldOptions.QueueTurnsPerSecond"/>, the rest at the next ticks. Every turn is followed by an
    /// EnterWorld, so a hundred places freed at once (an operator raising the capacity) would otherwise be a hundred
    /// world entries in the same instant.
    /// </summary>
    private void Advance(DateTimeOffset now)
    {
        // One walk in queue order: the first waiting entries get the places (held turns are skipped, not rescanned).
        HashSet<QueueEntry>? turned = null;
        var budget = TurnsPerTick - _turnsThisTick;
        foreach (var entry in _queue.Values)
        {
            if ((turned?.Count ?? 0) >= budget || Occupancy >= Capacity)
            {
                break;
            }

            if (entry.ReadyUntil is null)
            {
                entry.ReadyUntil = now + _options.QueueTurnGrace;
                _ready++;
                (turned ??= []).Add(entry);
            }
        }

        if (turned is not null)
        {
            _turnsThisTick += turned.Count;
            PushPlaces(e => turned.Contains(e) && e.DisconnectedAt is null, now);
        }
    }

    private void Let(AdmissionRequest request, DateTimeOffset now)
    {
        _inside[request.CharacterId] = new Occupant(request, now);
        _admissions.Enqueue(now);
        while (_admissions.Count > AdmissionsForEstimate)
        {
            _admissions.Dequeue();
        }
    }

    /// <summary>The account's entry; or, for a valid ticket this activation does not know (it lost its queue in a failover), the entry put back at its old place.</summary>
    private QueueEntry? FindEntry(AdmissionRequest request)
    {
        if (_byAccount.TryGetValue(request.AccountId, out var entry))
        {
            return entry;
        }

        if (QueueTicket.TryDecode(request.QueueTicket, signer, out var ticket) && ticket.AccountId == request.AccountId
            && ticket.WorldId == WorldId && !_queue.ContainsKey(ticket.Sequence))
        {
            entry = new QueueEntry(request.AccountId, ticket.Sequence);
            AddEntry(entry);
            _lastSequence = Math.Max(_lastSequence, ticket.Sequence);
            LogRequeued(logger, WorldId, request.AccountId, ticket.Sequence);
            return entry;
        }

        return null;
    }

    private void AddEntry(QueueEntry entry)
    {
        entry.Slice = _nextSlice;
        _nextSlice = (_nextSlice + 1) % _options.QueueUpdateSlices;
        _queue.Add(entry.Sequence, entry);
        _byAccount[entry.AccountId] = entry;
    }

    private void RemoveEntry(QueueEntry entry)
    {
        if (_queue.Remove(entry.Sequence) && entry.ReadyUntil is not null)
        {
            _ready--;
        }

        _byAccount.Remove(entry.AccountId);
    }

    /// <summary>Strictly increasing, and above anything an earlier activation handed out (ticks of the clock).</summary>
    private long NextSequence() => _lastSequence = AfterClock(_lastSequence);

    /// <summary>
    /// The version of the statuses told now (an answer, or one push of several clients): strictly increasing, from the
    /// clock's ticks so a later activation (a failover) goes on above the last one. Orleans does not keep the order of
    /// two calls to the same gateway (a turn pushed right after a slice of positions has reached a client before
    /// them), so the client keeps the status with the highest version.
    /// </summary>
    private ulong NextStatusVersion() => (ulong)(_lastStatusVersion = AfterClock(_lastStatusVersion));

    /// <summary>Above <paramref name="last"/>, and at least the clock's ticks.</summary>
    private long AfterClock(long last) => Math.Max(last + 1, time.GetUtcNow().UtcTicks);

    /// <summary>1 for the first waiting client; 0 for one whose turn came.</summary>
    private int PositionOf(QueueEntry entry)
    {
        if (entry.ReadyUntil is not null)
        {
            return 0;
        }

        var position = 1;
        foreach (var other in _queue.Values)
        {
            if (other == entry)
            {
                return position;
            }

            if (other.ReadyUntil is null)
            {
                position++;
            }
        }

        return position;
    }

    private QueuePlace Place(QueueEntry entry, DateTimeOffset now)
    {
        var position = PositionOf(entry);
        var ready = entry.ReadyUntil is { } until;
        return new QueuePlace(WorldId, position, Waiting, TicketOf(entry), ready,
            ready ? entry.ReadyUntil!.Value - now : TimeSpan.Zero, EstimateWait(position, now), NextStatusVersion());
    }

    /// <summary>Position over the rate of the recent admissions; zero when there were none to go by.</summary>
    private TimeSpan EstimateWait(int position, DateTimeOffset now)
    {
        if (position == 0 || _admissions.Count < 2)
        {
            return TimeSpan.Zero;
        }

        var span = now - _admissions.Peek();
        return span <= TimeSpan.Zero ? TimeSpan.Zero : span / _admissions.Count * position;
    }

    /// <summary>The entry's signed queue ticket: the same for as long as it waits, so it is signed once.</summary>
    private string TicketOf(QueueEntry entry) => entry.Ticket ??= new QueueTicket(entry.AccountId, entry.Sequence, WorldId).Encode(signer);

    /// <summary>
    /// One QueueUpdate per chosen client, one delivery call per gateway; tracked, not awaited. Positions are counted
    /// in the same walk of the queue, in order.
    /// </summary>
    private void PushPlaces(Func<QueueEntry, bool> chosen, DateTimeOffset now)
    {
        Dictionary<string, (IGatewayObserver Gateway, PushWriter Writer)>? writers = null;
        var position = 0;
        var length = (uint)Waiting;
        ulong version = 0;
        foreach (var entry in _queue.Values)
        {
            var ready = entry.ReadyUntil is not null;
            var place = ready ? 0 : ++position;
            if (entry.Gateway is null || !chosen(entry))
            {
                continue;
            }

            if (writers is null)
            {
                // One version for the whole push: every status in it was counted in this same walk.
                writers = new(StringComparer.Ordinal);
                version = NextStatusVersion();
            }

            if (!writers.TryGetValue(entry.GatewayId, out var target))
            {
                target = (entry.Gateway, new PushWriter());
                writers[entry.GatewayId] = target;
            }

            var status = new Wire.QueueStatus
            {
                WorldId = WorldId,
                Position = (uint)place,
                Length = length,
                Ticket = TicketOf(entry),
                Ready = ready,
                ReadyForMs = ready ? (uint)Math.Max(0, (entry.ReadyUntil!.Value - now).TotalMilliseconds) : 0,
                EstimatedWaitS = (uint)EstimateWait(place, now).TotalSeconds,
                Version = version,
            };
            target.Writer.BeginFrame(entry.ConnectionId, entry.CharacterId, (ushort)Opcode.QueueUpdate);
            target.Writer.WriteRaw(new Wire.QueueUpdate { Status = status }.ToByteArray());
            target.Writer.EndFrame();
        }

        foreach (var (gatewayId, (gateway, writer)) in writers ?? [])
        {
            _ = DeliverAsync(gatewayId, gateway, writer.ToBatch("queue:" + WorldId, 0));
        }
    }

    private async Task DeliverAsync(string gatewayId, IGatewayObserver gateway, PushBatch batch)
    {
        try
        {
            await gateway.Deliver(batch).WaitAsync(_options.DeliveryTimeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next tick sends positions again; a dead gateway's clients are marked lost by the next count.
            LogDeliveryFailed(logger, WorldId, gatewayId, ex.GetType().Name);
        }
    }

    /// <summary>A world is offline while any of its zones does not answer.</summary>
    private async Task ProbeZonesAsync()
    {
        var probes = gameData.Zones.Keys.Select(async zone =>
        {
            try
            {
                await GrainFactory.GetGrain<IZoneGrain>(ZoneKeys.Of(WorldId, zone)).Probe().WaitAsync(_options.ProbeTimeout);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogZoneUnreachable(logger, WorldId, zone, ex.GetType().Name);
                return false;
            }
        });
        var healthy = (await Task.WhenAll(probes)).All(ok => ok);
        if (healthy != _zonesHealthy)
        {
            LogHealthChanged(logger, WorldId, healthy);
        }

        _zonesHealthy = healthy;
        _checkedAt = time.GetUtcNow();
    }

    /// <summary>
    /// Re-counts who is in the world from the gateways' own connections. Occupants admitted within the last
    /// interval stay (their EnterWorld may still be on its way), and so do those of a gateway that did not
    /// answer but is alive; those of gateways no longer registered go, and their waiting clients count as
    /// disconnected.
    /// </summary>
    private async Task ReconcileAsync(bool initial)
    {
        IReadOnlyList<GatewayRegistration> gateways;
        try
        {
            gateways = await GrainFactory.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive().WaitAsync(_options.ProbeTimeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReconcileFailed(logger, WorldId, ex.GetType().Name);
            return;
        }

        var answers = await Task.WhenAll(gateways.Select(async g =>
        {
            try
            {
                return (g.GatewayId, Connections: await g.Observer.ListInWorld(WorldId).WaitAsync(_options.ProbeTimeout), g.Observer);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReconcileFailed(logger, WorldId, ex.GetType().Name);
                return (g.GatewayId, Connections: (InWorldConnection[]?)null, g.Observer);
            }
        }));

        var now = time.GetUtcNow();
        var live = gateways.Select(g => g.GatewayId).ToHashSet(StringComparer.Ordinal);
        var silent = answers.Where(a => a.Connections is null).Select(a => a.GatewayId).ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<Guid, Occupant>();
        foreach (var (gatewayId, connections, observer) in answers)
        {
            foreach (var c in connections ?? [])
            {
                var known = _inside.GetValueOrDefault(c.CharacterId);
                found[c.CharacterId] = new Occupant(c.CharacterId, c.AccountId, c.AccountKey, known?.IsGameMaster ?? false, gatewayId, c.ConnectionId,
                    observer, known?.AdmittedAt ?? now);
            }
        }

        foreach (var (characterId, occupant) in _inside)
        {
            var keep = now - occupant.AdmittedAt < _options.ReconcileInterval || silent.Contains(occupant.GatewayId);
            if (keep && !found.ContainsKey(characterId))
            {
                found[characterId] = occupant;
            }
        }

        var before = _inside.Count;
        _inside.Clear();
        foreach (var (characterId, occupant) in found)
        {
            _inside[characterId] = occupant;
        }

        foreach (var entry in _queue.Values)
        {
            if (entry.DisconnectedAt is null && !live.Contains(entry.GatewayId))
            {
                entry.DisconnectedAt = now;
            }
        }

        if (initial || before != _inside.Count)
        {
            LogReconciled(logger, WorldId, before, _inside.Count, gateways.Count);
        }

        Advance(now);
    }

    private WorldStatus Status()
    {
        var occupancy = Occupancy;
        var waiting = Waiting;
        var stateOf = !_zonesHealthy ? WorldState.Offline
            : state.State.Maintenance ? WorldState.Maintenance
            : occupancy >= Capacity || waiting > 0 ? WorldState.Full
            : WorldState.Open;
        return new WorldStatus(WorldId, _world.Name, stateOf, occupancy, Capacity, waiting, state.State.Maintenance, _zonesHealthy, _checkedAt,
            WorldId == gameData.DefaultWorld);
    }

    [LoggerMessage(EventId = LogEvents.WorldQueued, Level = LogLevel.Debug, Message = "World {WorldId}: account {AccountId} queued; {Entries} in the queue")]
    private static partial void LogQueued(ILogger logger, string worldId, Guid accountId, int entries);

    [LoggerMessage(EventId = LogEvents.WorldRequeued, Level = LogLevel.Information, Message = "World {WorldId}: account {AccountId} back in the queue with its ticket (sequence {Sequence})")]
    private static partial void LogRequeued(ILogger logger, string worldId, Guid accountId, long sequence);

    [LoggerMessage(EventId = LogEvents.WorldTurnMissed, Level = LogLevel.Debug, Message = "World {WorldId}: account {AccountId} let its turn pass")]
    private static partial void LogTurnMissed(ILogger logger, string worldId, Guid accountId);

    [LoggerMessage(EventId = LogEvents.WorldPlaceLost, Level = LogLevel.Debug, Message = "World {WorldId}: account {AccountId} lost its place (no reconnect in time)")]
    private static partial void LogPlaceLost(ILogger logger, string worldId, Guid accountId);

    [LoggerMessage(EventId = LogEvents.WorldConfigured, Level = LogLevel.Information, Message = "World {WorldId}: capacity {Capacity}, maintenance {Maintenance}")]
    private static partial void LogConfigured(ILogger logger, string worldId, int capacity, bool maintenance);

    [LoggerMessage(EventId = LogEvents.WorldQueueDeliveryFailed, Level = LogLevel.Warning, Message = "World {WorldId}: queue positions to gateway {GatewayId} failed ({Error})")]
    private static partial void LogDeliveryFailed(ILogger logger, string worldId, string gatewayId, string error);

    [LoggerMessage(EventId = LogEvents.WorldZoneUnreachable, Level = LogLevel.Warning, Message = "World {WorldId}: zone {ZoneId} did not answer its probe ({Error})")]
    private static partial void LogZoneUnreachable(ILogger logger, string worldId, string zoneId, string error);

    [LoggerMessage(EventId = LogEvents.WorldHealthChanged, Level = LogLevel.Warning, Message = "World {WorldId}: zones healthy: {Healthy}")]
    private static partial void LogHealthChanged(ILogger logger, string worldId, bool healthy);

    [LoggerMessage(EventId = LogEvents.WorldReconcileFailed, Level = LogLevel.Warning, Message = "World {WorldId}: counting players at the gateways failed ({Error}); kept the count")]
    private static partial void LogReconcileFailed(ILogger logger, string worldId, string error);

    [LoggerMessage(EventId = LogEvents.WorldReconciled, Level = LogLevel.Information, Message = "World {WorldId}: {Before} players counted before, {After} now, from {Gateways} gateways")]
    private static partial void LogReconciled(ILogger logger, string worldId, int before, int after, int gateways);

    /// <summary>A character in the world and the connection it plays from.</summary>
    private sealed class Occupant(Guid characterId, Guid accountId, string accountKey, bool isGameMaster, string gatewayId, long connectionId, IGatewayObserver? gateway, DateTimeOffset admittedAt)
    {
        public Occupant(AdmissionRequest request, DateTimeOffset admittedAt)
            : this(request.CharacterId, request.AccountId, request.AccountKey, request.IsGameMaster, request.GatewayId, request.ConnectionId, request.Gateway, admittedAt)
        {
        }

        public Guid CharacterId { get; } = characterId;
        public Guid AccountId { get; } = accountId;
        public string AccountKey { get; } = accountKey;
        public bool IsGameMaster { get; } = isGameMaster;
        public string GatewayId { get; private set; } = gatewayId;
        public long ConnectionId { get; private set; } = connectionId;
        public IGatewayObserver? Gateway { get; private set; } = gateway;
        public DateTimeOffset AdmittedAt { get; } = admittedAt;

        public void Move(AdmissionRequest request)
        {
            GatewayId = request.GatewayId;
            ConnectionId = request.ConnectionId;
            Gateway = request.Gateway;
        }
    }

    /// <summary>An account waiting; the sequence is its place, the connection where its positions go.</summary>
    private sealed class QueueEntry(Guid accountId, long sequence)
    {
        public Guid AccountId { get; } = accountId;
        public long Sequence { get; } = sequence;
        public Guid CharacterId { get; private set; }
        public string GatewayId { get; private set; } = "";
        public long ConnectionId { get; private set; }
        public IGatewayObserver? Gateway { get; private set; }
        public DateTimeOffset? DisconnectedAt { get; set; }

        /// <summary>Set when its turn came: the place is held until then.</summary>
        public DateTimeOffset? ReadyUntil { get; set; }

        /// <summary>Which of the world's ticks pushes this entry's position (see <see cref="WorldOptions.QueueUpdateSlices"/>).</summary>
        public int Slice { get; set; }

        /// <summary>The signed queue ticket, once made (see <see cref="TicketOf"/>).</summary>
        public string? Ticket { get; set; }

        public void Bind(AdmissionRequest request)
        {
            CharacterId = request.CharacterId;
            GatewayId = request.GatewayId;
            ConnectionId = request.ConnectionId;
            Gateway = request.Gateway;
            DisconnectedAt = null;
        }
    }
}
