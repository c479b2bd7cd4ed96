using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Persistence;
using OrleansMmo.Protocol;

namespace OrleansMmo.Grains.World;

/// <summary>
/// One trade, and the escrow of its exchange (docs/economy.md). Before both sides confirm, the trade is
/// offers in memory: no goods move. The exchange is a sequence of recorded steps, each written through
/// before the next, each idempotent on the player grains:
/// <c>Exchanging</c> (written) → Reserve on both sides (each side's goods go into its own escrow, written
/// with the character) → <c>Committed</c> (written: the decision) → Settle on both sides (each side's
/// escrow is dropped and the partner's goods come in, in one write) → <c>Completed</c> (written).
/// A failure or a crash resumes from the record: <c>Exchanging</c> is undone (Release on both sides,
/// presumed abort), <c>Committed</c> is finished. Resumed by this grain's activation, which any player
/// holding escrow for the trade causes when it activates, and retried on a timer while active.
/// </summary>
[GrainType("trade")]
public sealed partial class TradeGrain(
    [WriteBehindState("trade", StorageNames.Game)] IWriteBehindState<TradeState> state,
    GameDataCatalog gameData,
    IOptions<WorldOptions> options,
    WorldMetrics metrics,
    ILogger<TradeGrain> logger) : Grain, ITradeGrain
{
    private static readonly TimeSpan _firstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan _lastRetry = TimeSpan.FromSeconds(5);

    private readonly WorldOptions _options = options.Value;

    /// <summary>Initiator and partner; empty until opened (or rebuilt from the record at activation).</summary>
    private Side[] _sides = [];
    private IGrainTimer? _resume;
    private TimeSpan _retry = _firstRetry;

    /// <summary>Set once a resume ran: the crash tests' pause applies to the live exchange only, never to a recovery.</summary>
    private bool _resumed;

    private TradeState Record => state.State;

    private Guid TradeId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Record is { Initiator: { } initiator, Partner: { } partner })
        {
            _sides = [new Side(initiator.CharacterId, initiator.Name, null) { Offer = initiator.Offer }, new Side(partner.CharacterId, partner.Name, null) { Offer = partner.Offer }];
        }

        if (Record.Phase is TradePhase.Exchanging or TradePhase.Committed)
        {
            // The activation that ran the exchange ended mid-way (a crash): finish or undo it, after this activation.
            LogResumed(logger, TradeId, Record.Phase);
            ScheduleResume(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task<TradeView> Open(TradeParty initiator, TradeParty partner)
    {
        if (Record.Phase == TradePhase.None)
        {
            _sides = [new Side(initiator.CharacterId, initiator.Name, initiator.Session), new Side(partner.CharacterId, partner.Name, partner.Session)];
            Record.Phase = TradePhase.Invited;
            await PushAsync();
        }

        return View();
    }

    public async Task<Result<TradeView>> Accept(Guid characterId, Guid sessionId)
    {
        if (Caller(characterId, sessionId) is not { } side || side != _sides[1])
        {
            return GameError.TradeNotFound;
        }

        if (Record.Phase != TradePhase.Invited)
        {
            return GameError.TradeWrongState;
        }

        Record.Phase = TradePhase.Open;
        await PushAsync();
        return Result.Ok(View());
    }

    public async Task<Result<TradeView>> SetOffer(Guid characterId, Guid sessionId, TradeOffer offer)
    {
        if (Caller(characterId, sessionId) is not { } side)
        {
            return GameError.TradeNotFound;
        }

        if (Record.Phase != TradePhase.Open || side.Locked)
        {
            return GameError.TradeWrongState;
        }

        if (Goods.Validate(offer, gameData, _options.MaxTradeStacks) is var invalid and not GameError.None)
        {
            return invalid;
        }

        side.Offer = offer;
        // Nobody stays locked or confirmed on goods that changed under them.
        foreach (var s in _sides)
        {
            s.Locked = false;
            s.Confirmed = false;
        }

        await PushAsync();
        return Result.Ok(View());
    }

    public async Task<Result<TradeView>> Lock(Guid characterId, Guid sessionId)
    {
        if (Caller(characterId, sessionId) is not { } side)
        {
            return GameError.TradeNotFound;
        }

        if (Record.Phase != TradePhase.Open)
        {
            return GameError.TradeWrongState;
        }

        if (!side.Locked)
        {
            if (!await Player(side).Covers(side.Offer))
            {
                return GameError.ItemNotHeld;
            }

            if (Record.Phase != TradePhase.Open)
            {
                // Abandoned while we asked.
                return GameError.TradeWrongState;
            }

            side.Locked = true;
            await PushAsync();
        }

        return Result.Ok(View());
    }

    public async Task<Result<TradeView>> Confirm(Guid characterId, Guid sessionId)
    {
        if (Caller(characterId, sessionId) is not { } side)
        {
            return GameError.TradeNotFound;
        }

        if (Record.Phase != TradePhase.Open || !_sides.All(s => s.Locked))
        {
            return GameError.TradeWrongState;
        }

        side.Confirmed = true;
        if (!_sides.All(s => s.Confirmed))
        {
            await PushAsync();
            return Result.Ok(View());
        }

        // The last check before goods move: still together (a move is not a zone change, so distance may have grown).
        var standings = await Task.WhenAll(_sides.Select(s => Player(s).GetTradeStanding()));
        if (Record.Phase != TradePhase.Open)
        {
            return GameError.TradeWrongState;
        }

        var (a, b) = (standings[0], standings[1]);
        if (!a.InWorld || !b.InWorld || a.ZoneKey != b.ZoneKey
            || a.Position.DistanceSquaredTo(b.Position) > _options.TradeDistance * _options.TradeDistance)
        {
            await EndAsync(TradeEndReason.TooFar);
            return Result.Ok(View());
        }

        try
        {
            await ExchangeAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A player or the database could not be reached: the record says where to go on from.
            LogStepFailed(logger, TradeId, Record.Phase, ex);
            ScheduleResume(_retry);
        }

        return Result.Ok(View());
    }

    public async Task<Result<TradeView>> Cancel(Guid characterId, Guid sessionId)
    {
        if (Caller(characterId, sessionId) is null)
        {
            return GameError.TradeNotFound;
        }

        if (Record.Phase is not (TradePhase.Invited or TradePhase.Open))
        {
            return GameError.TradeWrongState;
        }

        await EndAsync(TradeEndReason.Cancelled);
        return Result.Ok(View());
    }

    public async Task Abandon(Guid characterId, TradeEndReason reason)
    {
        // Interleaved: only a trade not yet exchanging ends here; an exchange under way is never touched.
        if (Record.Phase is TradePhase.Invited or TradePhase.Open && _sides.Any(s => s.CharacterId == characterId))
        {
            await EndAsync(reason);
        }
    }

    public Task<TradeDecision> GetDecision(Guid characterId)
    {
        var side = Array.FindIndex(_sides, s => s.CharacterId == characterId);
        if (side < 0)
        {
            return Task.FromResult(new TradeDecision(TradePhase.None, null));
        }

        var receive = Record.Phase is TradePhase.Committed or TradePhase.Completed ? _sides[1 - side].Offer : null;
        return Task.FromResult(new TradeDecision(Record.Phase, receive));
    }

    /// <summary>Both confirmed: record, reserve both, record the decision, settle both, record the end.</summary>
    private async Task ExchangeAsync()
    {
        Record.Phase = TradePhase.Exchanging;
        Record.Initiator = new TradeRecordSide(_sides[0].CharacterId, _sides[0].Name, _sides[0].Offer);
        Record.Partner = new TradeRecordSide(_sides[1].CharacterId, _sides[1].Name, _sides[1].Offer);
        Record.ExchangeStartedAt = DateTimeOffset.UtcNow;
        await state.WriteThroughAsync();
        await StepDoneAsync(1);
        await PushAsync();
        for (var i = 0; i < _sides.Length; i++)
        {
            var reserved = await Player(_sides[i]).Reserve(TradeId, _sides[i].Offer);
            if (!reserved.Succeeded)
            {
                await UndoAsync(TradeEndReason.GoodsMissing);
                return;
            }

            await StepDoneAsync(2 + i);
        }

        Record.Phase = TradePhase.Committed;
        try
        {
            await state.WriteThroughAsync();
        }
        catch (StateNotWrittenException)
        {
            // Not decided unless stored: a crash now must find Exchanging and undo, so nobody may settle yet.
            Record.Phase = TradePhase.Exchanging;
            throw;
        }

        await StepDoneAsync(4);
        await SettleAsync();
    }

    private async Task SettleAsync()
    {
        await Player(_sides[0]).Settle(TradeId, _sides[1].Offer);
        await StepDoneAsync(5);
        await Player(_sides[1]).Settle(TradeId, _sides[0].Offer);
        await StepDoneAsync(6);
        Record.Phase = TradePhase.Completed;
        await state.WriteThroughAsync();
        await StepDoneAsync(7);
        metrics.Trades.Add(1, new KeyValuePair<string, object?>("outcome", "completed"));
        LogCompleted(logger, TradeId, _sides[0].CharacterId, _sides[1].CharacterId);
        await PushAsync();
    }

    /// <summary>Takes back whatever went into escrow (Release is a no-op where nothing did), then records the end.</summary>
    private async Task UndoAsync(TradeEndReason reason)
    {
        foreach (var side in _sides)
        {
            await Player(side).Release(TradeId);
        }

        Record.Reason = reason;
        Record.Phase = TradePhase.Cancelled;
        await state.WriteThroughAsync();
        metrics.Trades.Add(1, new KeyValuePair<string, object?>("outcome", reason.ToString()));
        LogCancelled(logger, TradeId, reason);
        await PushAsync();
    }

    /// <summary>Ends a trade that never began its exchange: nothing stored, nothing to give back.</summary>
    private async Task EndAsync(TradeEndReason reason)
    {
        Record.Phase = TradePhase.Cancelled;
        Record.Reason = reason;
        metrics.Trades.Add(1, new KeyValuePair<string, object?>("outcome", reason.ToString()));
        LogCancelled(logger, TradeId, reason);
        await PushAsync();
        DeactivateOnIdle();
    }

    /// <summary>The fault injection of the crash tests (<see cref="WorldOptions.TradePauseAfterStep"/>): never returns after the chosen step.</summary>
    private async Task StepDoneAsync(int step)
    {
        if (_options.TradePauseAfterStep == step && !_resumed)
        {
            LogPausedForTest(logger, TradeId, step);
            await Task.Delay(Timeout.InfiniteTimeSpan);
        }
    }

    private void ScheduleResume(TimeSpan due)
    {
        _resume?.Dispose();
        _resume = this.RegisterGrainTimer(ResumeAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        _resume?.Dispose();
        _resume = null;
        _resumed = true;
        try
        {
            switch (Record.Phase)
            {
                case TradePhase.Exchanging:
                    await UndoAsync(TradeEndReason.Interrupted);
                    break;
                case TradePhase.Committed:
                    await SettleAsync();
                    break;
            }

            _retry = _firstRetry;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStepFailed(logger, TradeId, Record.Phase, ex);
            _retry = TimeSpan.FromTicks(Math.Min(_retry.Ticks * 2, _lastRetry.Ticks));
            ScheduleResume(_retry);
        }
    }

    /// <summary>The side asking, if its session is the one that entered the trade and the trade has not ended.</summary>
    private Side? Caller(Guid characterId, Guid sessionId) =>
        Record.Phase is TradePhase.Cancelled or TradePhase.Completed or TradePhase.None
            ? null
            : _sides.FirstOrDefault(s => s.CharacterId == characterId && s.Session?.SessionId == sessionId);

    private IPlayerGrain Player(Side side) => GrainFactory.GetGrain<IPlayerGrain>(side.CharacterId);

    private TradeView View() => _sides.Length == 2
        ? new(TradeId, Record.Phase, _sides[0].ToView(), _sides[1].ToView(), Record.Reason)
        : new(TradeId, Record.Phase, Side.Nobody, Side.Nobody, Record.Reason);

    /// <summary>The trade as it stands, to both sides' connections; a push that fails is logged (the client sees the state on its next trade request).</summary>
    private async Task PushAsync()
    {
        var payload = TradeWire.EncodeUpdate(View());
        await Task.WhenAll(_sides.Where(s => s.Session is not null).Select(async side =>
        {
            var writer = new PushWriter();
            writer.WriteFrame(side.Session!, side.CharacterId, (ushort)Opcode.TradeUpdate, payload);
            try
            {
                await side.Session!.Gateway.Deliver(writer.ToBatch("trade", 0)).WaitAsync(_options.DeliveryTimeout);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPushFailed(logger, TradeId, side.CharacterId, ex);
            }
        }));
    }

    private sealed class Side(Guid characterId, string name, PlayerSession? session)
    {
        public static TradeSide Nobody { get; } = new(Guid.Empty, "", TradeOffer.Empty, false, false);

        public Guid CharacterId { get; } = characterId;

        public string Name { get; } = name;

        /// <summary>The connection pushes go to; null after a re-activation (the exchange finishes without telling).</summary>
        public PlayerSession? Session { get; } = session;

        public TradeOffer Offer { get; set; } = TradeOffer.Empty;

        public bool Locked { get; set; }

        public bool Confirmed { get; set; }

        public TradeSide ToView() => new(CharacterId, Name, Offer, Locked, Confirmed);
    }

    [LoggerMessage(EventId = LogEvents.TradePausedForTest, Level = LogLevel.Warning, Message = "Trade {TradeId} paused for good after step {Step} (World:TradePauseAfterStep, crash tests only)")]
    private static partial void LogPausedForTest(ILogger logger, Guid tradeId, int step);

    [LoggerMessage(EventId = LogEvents.TradeCompleted, Level = LogLevel.Information, Message = "Trade {TradeId} between {Initiator} and {Partner} completed")]
    private static partial void LogCompleted(ILogger logger, Guid tradeId, Guid initiator, Guid partner);

    [LoggerMessage(EventId = LogEvents.TradeCancelled, Level = LogLevel.Debug, Message = "Trade {TradeId} ended without an exchange: {Reason}")]
    private static partial void LogCancelled(ILogger logger, Guid tradeId, TradeEndReason reason);

    [LoggerMessage(EventId = LogEvents.TradeStepFailed, Level = LogLevel.Warning, Message = "Trade {TradeId}: a step from {Phase} failed; resumed from the record")]
    private static partial void LogStepFailed(ILogger logger, Guid tradeId, TradePhase phase, Exception exception);

    [LoggerMessage(EventId = LogEvents.TradeResumed, Level = LogLevel.Information, Message = "Trade {TradeId} found unfinished in {Phase} at activation; resuming")]
    private static partial void LogResumed(ILogger logger, Guid tradeId, TradePhase phase);

    [LoggerMessage(EventId = LogEvents.TradePushFailed, Level = LogLevel.Debug, Message = "Trade {TradeId}: push to character {CharacterId} failed")]
    private static partial void LogPushFailed(ILogger logger, Guid tradeId, Guid characterId, Exception exception);
}
