using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansMmo.Grains.Persistence;

/// <summary>
/// One activation's write-behind state: read at activation, written on a grain timer, on
/// write-through and flush, and when the activation stops.
/// </summary>
/// <remarks>
/// <para>
/// Consistency: a write stores a deep copy of the state taken inside a grain turn: by the grain's own
/// call (<see cref="WriteThroughAsync"/>, <see cref="FlushAsync"/>), at deactivation, or by the
/// timer, which does not interleave, so its copy is taken between two requests and never catches a
/// request halfway (gold taken, item not yet given). The storage call itself then runs beside the
/// grain's requests: a slow or absent database never stops the grain from serving.
/// </para>
/// <para>
/// One write at a time: a write waits for the previous one to finish. A storage call is never cancelled:
/// cancelling after the database committed would leave this activation with an old ETag, and every later
/// write would look like a conflict. A write-through or flush that runs out of time while its storage call
/// is still running stops waiting for it (it is abandoned, not cancelled): the call goes on as the write in
/// flight, its ETag is taken when it ends, and it is never counted as storing a change; the state in memory
/// (with whatever the caller undid) is written over it as soon as it ends (<c>_uncreditedUpTo</c>).
/// </para>
/// <para>
/// Versions: <c>_version</c> counts changes, <c>_writtenVersion</c> is the change the last stored copy
/// includes; the state is dirty while they differ.
/// </para>
/// </remarks>
internal sealed partial class WriteBehindState<TState> : IWriteBehindState<TState>, ILifecycleObserver, IGrainMigrationParticipant
    where TState : new()
{
    private const string HandoverStateKey = "mmo.wb.state.";
    private const string HandoverETagKey = "mmo.wb.etag.";
    private const string HandoverFlagsKey = "mmo.wb.flags.";

    private readonly IGrainContext _context;
    private readonly string _stateName;
    private readonly IGrainStorage _storage;
    private readonly WriteBehindRuntime _runtime;
    private readonly DeepCopier<TState> _copier;
    private readonly Serializer _serializer;
    private readonly ILogger _logger;
    private readonly long _phaseTicks;
    private readonly long _epoch = Stopwatch.GetTimestamp();

    private TState _state = new();
    private string? _etag;
    private bool _recordExists;
    private long _version;
    private long _writtenVersion;
    private bool _countedDirty;
    private Task? _inflight;
    private IGrainTimer? _timer;
    private int _failures;
    private bool _conflicted;
    private bool _stopping;
    private bool _handedOver;
    private bool _rehydrated;

    // Writes of copies up to this version are never counted as storing a change: a write-through gave up on them
    // (the caller heard "not written" and may have undone its change in memory), so whatever they stored is
    // written over. Versions after it are the state as it is in memory after the give-up.
    private long _uncreditedUpTo;

    // The last write that failed without a clear answer (the database may have committed it before the
    // connection broke). If the next write then meets a "conflict", the stored row is compared with it.
    private (TState Snapshot, long Version)? _unconfirmed;

    public WriteBehindState(IGrainContext context, string stateName, IGrainStorage storage, WriteBehindRuntime runtime, IServiceProvider services)
    {
        _context = context;
        _stateName = stateName;
        _storage = storage;
        _runtime = runtime;
        _copier = services.GetRequiredService<DeepCopier<TState>>();
        _serializer = services.GetRequiredService<Serializer>();
        _logger = runtime.Logger;
        // The jitter: each activation writes at its own phase within the interval.
        _phaseTicks = (long)(Random.Shared.NextDouble() * IntervalTicks);
    }

    public TState State
    {
        get => _state;
        set => _state = value ?? throw new ArgumentNullException(nameof(value));
    }

    public bool RecordExists => _recordExists;

    public bool IsDirty => _version != _writtenVersion;

    private GrainId GrainId => _context.GrainId;

    private long IntervalTicks => (long)(_runtime.Options.Interval.TotalSeconds * Stopwatch.Frequency);

    public void Participate(IGrainLifecycle lifecycle)
    {
        lifecycle.Subscribe($"{nameof(WriteBehindState<TState>)}:{_stateName}", GrainLifecycleStage.SetupState, this);
        lifecycle.AddMigrationParticipant(this);
    }

    public void MarkDirty()
    {
        _runtime.Metrics.Mutated(_stateName);
        Change();
    }

    public Task WriteThroughAsync(CancellationToken cancellationToken = default)
    {
        _runtime.Metrics.Mutated(_stateName);
        return WriteUntilAsync(Change(), _runtime.Options.WriteThroughTimeout, "write-through", WritePool.WriteThrough, cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        WriteUntilAsync(_version, _runtime.Options.WriteThroughTimeout, "flush", WritePool.WriteThrough, cancellationToken);

    public async Task OnStart(CancellationToken cancellationToken)
    {
        if (!_rehydrated)
        {
            var stored = new GrainState<TState>(new TState());
            await _storage.ReadStateAsync(_stateName, GrainId, stored, cancellationToken);
            _state = stored.State ?? new TState();
            _etag = stored.ETag;
            _recordExists = stored.RecordExists;
        }

        // Not interleaving: a tick copies the state between two requests. Keep-alive: a dirty grain
        // (the timer is armed only while dirty) is not collected as idle before it is written.
        _timer = _runtime.Timers.RegisterGrainTimer(
            _context,
            static (self, _) => self.OnTimerTick(),
            this,
            new GrainTimerCreationOptions { DueTime = Timeout.InfiniteTimeSpan, Period = Timeout.InfiniteTimeSpan, Interleave = false, KeepAlive = true });
        if (IsDirty)
        {
            ArmTimer(NextSlot());
        }
    }

    public async Task OnStop(CancellationToken cancellationToken)
    {
        _stopping = true;
        _timer?.Dispose();
        _timer = null;
        try
        {
            if (_handedOver || _conflicted || (!IsDirty && _inflight is null))
            {
                return;
            }

            await WriteUntilAsync(_version, _runtime.Options.FlushTimeout, "deactivation", WritePool.Background, cancellationToken);
        }
        catch (Exception ex)
        {
            if (IsDirty && !_conflicted)
            {
                _runtime.Metrics.Lost(_stateName);
                LogLost(_logger, ex, GrainId, _stateName, _version - _writtenVersion);
            }
        }
        finally
        {
            SetDirtyCounted(false);
        }
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        // Migration to another silo: hand over the state as it is, dirty or not, with its ETag, so the
        // new activation neither reads an older copy nor conflicts with a write made here.
        if (_conflicted || _inflight is not null)
        {
            // A write in flight would leave the new activation with a stale ETag: let it read instead.
            return;
        }

        var flags = (IsDirty ? 1 : 0) | (_recordExists ? 2 : 0);
        if (dehydrationContext.TryAddValue(HandoverStateKey + _stateName, _state)
            && dehydrationContext.TryAddValue(HandoverETagKey + _stateName, _etag)
            && dehydrationContext.TryAddValue(HandoverFlagsKey + _stateName, flags))
        {
            _handedOver = true;
            SetDirtyCounted(false);
        }
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue(HandoverStateKey + _stateName, out TState? state) && state is not null
            && rehydrationContext.TryGetValue(HandoverETagKey + _stateName, out string? etag)
            && rehydrationContext.TryGetValue(HandoverFlagsKey + _stateName, out int flags))
        {
            _state = state;
            _etag = etag;
            _recordExists = (flags & 2) != 0;
            _version = (flags & 1) != 0 ? 1 : 0;
            _rehydrated = true;
            SetDirtyCounted(IsDirty);
        }
    }

    /// <summary>Records one change; arms the timer when the state turns dirty. Returns the change's version.</summary>
    private long Change()
    {
        var wasDirty = IsDirty;
        _version++;
        if (!wasDirty && !_conflicted)
        {
            SetDirtyCounted(true);
            if (_inflight is null)
            {
                ArmTimer(NextSlot());
            }
        }

        return _version;
    }

    /// <summary>
    /// Writes until the stored copy includes change <paramref name="target"/>, retrying with backoff
    /// while another attempt fits in <paramref name="timeout"/> (or until <paramref name="cancellationToken"/>,
    /// whichever comes first).
    /// </summary>
    /// <remarks>
    /// A write-through or flush (<see cref="WritePool.WriteThrough"/>) bounds every wait by what is left of its
    /// time: the grain's own write in flight, a slot of its pool, and the storage call. When the time runs out
    /// during the storage call, the call is left running (see the class remarks) and this throws at once; the
    /// write is then never counted as storing the change, and the state in memory, with any undo the caller
    /// makes after the throw, is written over it as soon as it ends: the undo is the next thing of this grain
    /// stored. A deactivation (<see cref="WritePool.Background"/>) bounds its waits the same way but waits for a
    /// storage call it started (the activation ends after it), and makes its first attempt even when its token
    /// is already cancelled (a fast shutdown).
    /// </remarks>
    private async Task WriteUntilAsync(long target, TimeSpan timeout, string reason, WritePool pool, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var failures = 0;
        Exception? lastError = null;
        var slots = pool == WritePool.WriteThrough ? _runtime.WriteThroughSlots : _runtime.WriteSlots;
        while (_writtenVersion < target)
        {
            ThrowIfConflicted();
            var left = timeout - Stopwatch.GetElapsedTime(started);
            using var bound = failures == 0 && pool == WritePool.Background
                ? new CancellationTokenSource()
                : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            var attempt = new WriteAttempt();
            var write = WriteOnceAsync(slots, attempt, bound.Token);
            try
            {
                await (pool == WritePool.WriteThrough ? write.WaitAsync(bound.Token) : write);
                continue;
            }
            catch (StateNotWrittenException)
            {
                throw;
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested)
            {
                GaveUp(write, attempt.Stage, reason, pool);
                throw NotWritten(reason, Stopwatch.GetElapsedTime(started), failures, lastError, attempt.Stage);
            }
            catch (Exception ex)
            {
                lastError = ex;
            }

            failures++;
            var delay = _runtime.RetryDelay(failures);
            if (Stopwatch.GetElapsedTime(started) + delay >= timeout)
            {
                throw NotWritten(reason, Stopwatch.GetElapsedTime(started), failures, lastError, stage: null);
            }

            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw NotWritten(reason, Stopwatch.GetElapsedTime(started), failures, lastError, stage: null);
            }
        }
    }

    /// <summary>
    /// A write-through, flush or deactivation ran out of time at <paramref name="stage"/>. Whatever write of this
    /// grain is still in flight may yet commit a copy the caller now hears was not written: it must not count as
    /// storing anything, and the state in memory after this point is a change of its own, written over it.
    /// </summary>
    private void GaveUp(Task write, WriteStage stage, string reason, WritePool pool)
    {
        if (pool == WritePool.WriteThrough)
        {
            // A deactivation that gives up is counted and logged as a loss by OnStop.
            _runtime.Metrics.WriteThroughTimedOut(_stateName, StageName(stage));
            LogWriteThroughTimedOut(_logger, GrainId, _stateName, reason, StageName(stage));
        }
        if (!write.IsCompleted)
        {
            // Not awaited by anyone now: the write's outcome is handled where it ends (OnWritten, OnWriteFailed,
            // OnConflict), and a write before the storage call ends at once, having stored nothing.
            _ = ObserveAsync(write);
        }

        if (_inflight is not null || !write.IsCompleted)
        {
            _uncreditedUpTo = _version;
            _version++;
        }
    }

    private static async Task ObserveAsync(Task write) =>
        await write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

    /// <summary>
    /// One storage write of the current state, after any write in flight; nothing when clean. The waits before the
    /// storage call (the write in flight, a slot of <paramref name="slots"/>) end with <paramref name="cancellationToken"/>,
    /// and then no copy is taken and nothing is written; the storage call itself is never cancelled.
    /// </summary>
    private async Task WriteOnceAsync(SemaphoreSlim slots, WriteAttempt attempt, CancellationToken cancellationToken)
    {
        attempt.Stage = WriteStage.PreviousWrite;
        while (_inflight is { } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            cancellationToken.ThrowIfCancellationRequested();
            if (running.IsCompleted && ReferenceEquals(_inflight, running))
            {
                // Its owner's continuation has not run yet: the write is over all the same.
                _inflight = null;
            }
        }

        ThrowIfConflicted();
        if (!IsDirty)
        {
            return;
        }

        var write = WriteSnapshotAsync(_copier.Copy(_state)!, _version, slots, attempt, cancellationToken);
        _inflight = write;
        try
        {
            await write;
        }
        finally
        {
            if (ReferenceEquals(_inflight, write))
            {
                _inflight = null;
            }
        }
    }

    private async Task WriteSnapshotAsync(TState snapshot, long version, SemaphoreSlim slots, WriteAttempt attempt, CancellationToken cancellationToken)
    {
        while (true)
        {
            var grainState = new GrainState<TState>(snapshot, _etag) { RecordExists = _recordExists };
            Exception? failure = null;
            attempt.Stage = WriteStage.Slot;
            try
            {
                await slots.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Nothing was sent. The state stays dirty: the timer takes it (it skipped its tick while this waited).
                ArmTimer(_runtime.RetryDelay(Math.Max(_failures, 1)));
                throw;
            }

            attempt.Stage = WriteStage.Storage;
            var started = Stopwatch.GetTimestamp();
            try
            {
                await _storage.WriteStateAsync(_stateName, GrainId, grainState);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                slots.Release();
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (failure is null)
            {
                _runtime.Metrics.Wrote(_stateName, seconds);
                OnWritten(grainState.ETag, version);
                return;
            }

            _runtime.Metrics.WriteFailed(_stateName, seconds);
            if (failure is InconsistentStateException conflict)
            {
                bool ours;
                try
                {
                    ours = await StoredIsUnconfirmedWriteAsync();
                }
                catch (Exception readFailure)
                {
                    OnWriteFailed(readFailure);
                    throw;
                }

                if (ours)
                {
                    // Our earlier "failed" write had committed; its ETag is adopted: write this copy on top.
                    continue;
                }

                OnConflict(conflict);
                throw new StateNotWrittenException(
                    $"State '{_stateName}' of {GrainId} was not written: another activation wrote a newer version first. This activation's unsaved changes are discarded and it deactivates.",
                    isConflict: true,
                    conflict);
            }

            _unconfirmed = (snapshot, version);
            OnWriteFailed(failure);
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    private void OnWritten(string? etag, long version)
    {
        _unconfirmed = null;
        _etag = etag;
        _recordExists = true;
        var abandoned = version <= _uncreditedUpTo;
        if (abandoned)
        {
            // A write-through gave up on this write and its caller heard "not written": the ETag is taken (it is
            // what the row holds now), the change is not counted, and memory is written over it at once.
            _runtime.Metrics.AbandonedWriteStored(_stateName);
            LogAbandonedWriteStored(_logger, GrainId, _stateName);
        }
        else
        {
            _writtenVersion = Math.Max(_writtenVersion, version);
        }

        if (_failures > 0)
        {
            LogWriteRecovered(_logger, GrainId, _stateName, _failures);
            _failures = 0;
        }

        if (IsDirty)
        {
            // Changed while the write ran: the next slot takes the rest (at once after an abandoned write).
            ArmTimer(abandoned ? TimeSpan.Zero : NextSlot());
        }
        else
        {
            SetDirtyCounted(false);
        }
    }

    private void OnWriteFailed(Exception failure)
    {
        _failures++;
        var delay = _runtime.RetryDelay(_failures);
        if (_failures == 1)
        {
            LogWriteFailing(_logger, failure, GrainId, _stateName, delay);
        }
        else
        {
            LogWriteStillFailing(_logger, GrainId, _stateName, _failures, delay, failure.Message);
        }

        // Whoever asked for this write (timer, write-through, flush), the timer keeps trying.
        ArmTimer(delay);
    }

    /// <summary>
    /// After a version conflict: is the stored state exactly the copy whose write failed without an
    /// answer? Then that write committed, and the "conflict" is with ourselves.
    /// </summary>
    private async Task<bool> StoredIsUnconfirmedWriteAsync()
    {
        if (_unconfirmed is not { } unconfirmed)
        {
            return false;
        }

        var stored = new GrainState<TState>(new TState());
        await _storage.ReadStateAsync(_stateName, GrainId, stored);
        _unconfirmed = null;
        if (!stored.RecordExists || stored.ETag == _etag
            || !_serializer.SerializeToArray(stored.State).AsSpan().SequenceEqual(_serializer.SerializeToArray(unconfirmed.Snapshot)))
        {
            return false;
        }

        LogUnconfirmedWriteFound(_logger, GrainId, _stateName);
        _etag = stored.ETag;
        _recordExists = true;
        if (unconfirmed.Version > _uncreditedUpTo)
        {
            _writtenVersion = Math.Max(_writtenVersion, unconfirmed.Version);
        }
        return true;
    }

    private void OnConflict(InconsistentStateException exception)
    {
        if (_conflicted)
        {
            return;
        }

        _conflicted = true;
        _runtime.Metrics.Conflicted(_stateName);
        SetDirtyCounted(false);
        LogConflict(_logger, exception, GrainId, _stateName, _version - _writtenVersion);
        _timer?.Dispose();
        _timer = null;
        // The stored state is newer than ours: never overwrite it. A new activation reads it.
        _context.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, $"write-behind state '{_stateName}' is stale: another activation wrote first"), CancellationToken.None);
    }

    private Task OnTimerTick()
    {
        if (IsDirty && !_conflicted && !_stopping)
        {
            if (_inflight is null)
            {
                // Not awaited: the tick only takes the copy, inside its own turn; the write runs beside
                // the grain's requests, and BackgroundWriteAsync handles every outcome.
                _ = BackgroundWriteAsync();
            }
            else
            {
                // The write in flight re-arms the timer when it ends, unless it ended just before this tick.
                ArmTimer(_runtime.Options.RetryInitialDelay);
            }
        }

        return Task.CompletedTask;
    }

    private async Task BackgroundWriteAsync()
    {
        try
        {
            await WriteOnceAsync(_runtime.WriteSlots, new WriteAttempt(), CancellationToken.None);
        }
        catch (Exception)
        {
            // Logged, counted and rescheduled where it failed (OnWriteFailed, OnConflict).
        }
    }

    private void ArmTimer(TimeSpan due)
    {
        if (!_stopping && !_conflicted)
        {
            _timer?.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Time until this activation's next write slot: its phase plus a whole number of intervals since it started.</summary>
    private TimeSpan NextSlot()
    {
        var interval = IntervalTicks;
        var sincePhase = Stopwatch.GetTimestamp() - _epoch - _phaseTicks;
        var next = sincePhase < 0 ? -sincePhase : interval - (sincePhase % interval);
        return TimeSpan.FromSeconds(Math.Max(next, 1) / (double)Stopwatch.Frequency);
    }

    private void SetDirtyCounted(bool dirty)
    {
        if (dirty != _countedDirty)
        {
            _countedDirty = dirty;
            _runtime.Metrics.DirtyChanged(dirty ? 1 : -1);
        }
    }

    private void ThrowIfConflicted()
    {
        if (_conflicted)
        {
            throw new StateNotWrittenException(
                $"State '{_stateName}' of {GrainId} is stale: another activation wrote a newer version. This activation deactivates; retry the call.",
                isConflict: true,
                innerException: null);
        }
    }

    private StateNotWrittenException NotWritten(string reason, TimeSpan within, int attempts, Exception? lastError, WriteStage? stage) => new(
        $"State '{_stateName}' of {GrainId} was not written ({reason}): {attempts} attempt(s) within {within.TotalSeconds:0.###} s failed" +
        (stage is { } at ? $", and the time ran out waiting for {StageName(at).Replace('_', ' ')}" : "") +
        (lastError is null ? "." : $"; last error: {lastError.GetType().Name}: {lastError.Message}") +
        " The state in memory is retried in the background.",
        lastError);

    private static string StageName(WriteStage stage) => stage switch
    {
        WriteStage.PreviousWrite => "previous_write",
        WriteStage.Slot => "slot",
        _ => "storage",
    };

    /// <summary>Which writes a write takes its slot from (<see cref="WriteBehindOptions.MaxConcurrentWrites"/> or <see cref="WriteBehindOptions.MaxConcurrentWriteThroughs"/>) and whether its storage call may be abandoned.</summary>
    private enum WritePool
    {
        Background,
        WriteThrough,
    }

    private enum WriteStage
    {
        PreviousWrite,
        Slot,
        Storage,
    }

    /// <summary>Where one attempt is, for the error and the metric when its time runs out.</summary>
    private sealed class WriteAttempt
    {
        public WriteStage Stage;
    }

    [LoggerMessage(EventId = LogEvents.WriteBehindFailing, Level = LogLevel.Warning, Message = "Write-behind: state {StateName} of {GrainId} could not be written; retrying in {Delay}")]
    private static partial void LogWriteFailing(ILogger logger, Exception exception, GrainId grainId, string stateName, TimeSpan delay);

    [LoggerMessage(EventId = LogEvents.WriteBehindStillFailing, Level = LogLevel.Debug, Message = "Write-behind: state {StateName} of {GrainId} still not written after {Failures} attempts; retrying in {Delay}: {Error}")]
    private static partial void LogWriteStillFailing(ILogger logger, GrainId grainId, string stateName, int failures, TimeSpan delay, string error);

    [LoggerMessage(EventId = LogEvents.WriteBehindRecovered, Level = LogLevel.Information, Message = "Write-behind: state {StateName} of {GrainId} written after {Failures} failed attempts")]
    private static partial void LogWriteRecovered(ILogger logger, GrainId grainId, string stateName, int failures);

    [LoggerMessage(EventId = LogEvents.WriteBehindConflict, Level = LogLevel.Error, Message = "Write-behind: state {StateName} of {GrainId} conflicts with a newer version written by another activation; {Unsaved} unsaved change(s) discarded, not overwriting; deactivating this activation")]
    private static partial void LogConflict(ILogger logger, Exception exception, GrainId grainId, string stateName, long unsaved);

    [LoggerMessage(EventId = LogEvents.WriteBehindLost, Level = LogLevel.Error, Message = "Write-behind: state {StateName} of {GrainId} LOST at deactivation: {Unsaved} unsaved change(s) could not be written")]
    private static partial void LogLost(ILogger logger, Exception exception, GrainId grainId, string stateName, long unsaved);

    [LoggerMessage(EventId = LogEvents.WriteBehindWriteThroughTimedOut, Level = LogLevel.Warning, Message = "Write-behind: {Reason} of state {StateName} of {GrainId} gave up at its time bound waiting for {Stage}; the caller hears it was not written")]
    private static partial void LogWriteThroughTimedOut(ILogger logger, GrainId grainId, string stateName, string reason, string stage);

    [LoggerMessage(EventId = LogEvents.WriteBehindAbandonedWriteStored, Level = LogLevel.Information, Message = "Write-behind: a write of state {StateName} of {GrainId} that a write-through had given up on was stored late; writing the state in memory over it")]
    private static partial void LogAbandonedWriteStored(ILogger logger, GrainId grainId, string stateName);

    [LoggerMessage(EventId = LogEvents.WriteBehindUnconfirmedWriteFound, Level = LogLevel.Information, Message = "Write-behind: state {StateName} of {GrainId}: a write reported as failed had been stored; continuing from it")]
    private static partial void LogUnconfirmedWriteFound(ILogger logger, GrainId grainId, string stateName);
}
