using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace OrleansMmo.Gateway.Routing;

/// <summary>
/// One connection's wait for its running request's grain call, which a silo loss may cut short (see
/// <see cref="RequestRouter"/>, AttemptAsync). Reused by each request of the connection (they run one at a time),
/// so the common path allocates nothing and registers on nothing that other connections share: it replaces a
/// <c>Task.WhenAny</c> of every unfinished call with one cluster-wide "next silo loss" task, whose single
/// continuation list every request of every connection added itself to and removed itself from under one lock.
/// A loss reaches the watch through <see cref="SiloLost"/>, which the router calls for each connection.
/// </summary>
/// <remarks>
/// The steps of one request: <see cref="Arm"/> before the call starts (a loss from then on counts), <see cref="Watch"/>
/// once the call is known not to have completed at once, then <see cref="UntilCompletedOrLostAsync"/> and, after a loss,
/// <see cref="UntilCompletedWithinAsync"/>; <see cref="Result"/> when either says the call completed, or
/// <see cref="Disarm"/> when it completed at once. A watch that gives up on its call (the timeout) keeps the call to
/// observe its late end and is never used again: the connection gets a new one.
/// </remarks>
public sealed class FailoverWatch : IValueTaskSource<bool>
{
    private readonly Lock _lock = new();
    private readonly Action _callCompleted;
    private ManualResetValueTaskSourceCore<bool> _core;
    private ConfiguredValueTaskAwaitable<Reply>.ConfiguredValueTaskAwaiter _call;
    private ITimer? _timer;
    // Guarded by _lock.
    private bool _armed;
    private bool _lost;
    private bool _waiting;
    private bool _completed;
    private bool _abandoned;

    public FailoverWatch() => _callCompleted = OnCallCompleted;

    /// <summary>A request's call is about to start: a silo loss from now on cuts its wait short.</summary>
    public void Arm()
    {
        lock (_lock)
        {
            _armed = true;
            _lost = _waiting = _completed = false;
        }
    }

    /// <summary>The request is over (its call completed at once, or its result was taken).</summary>
    public void Disarm()
    {
        lock (_lock)
        {
            _armed = false;
        }

        _call = default;
    }

    /// <summary>Follows the running call, which has not completed yet. Only once per request.</summary>
    public void Watch(ValueTask<Reply> call)
    {
        _call = call.ConfigureAwait(false).GetAwaiter();
        _call.UnsafeOnCompleted(_callCompleted);
    }

    /// <summary>True when the call completed (take <see cref="Result"/>), false when a silo was lost first.</summary>
    public ValueTask<bool> UntilCompletedOrLostAsync()
    {
        _core.Reset();
        lock (_lock)
        {
            if (_completed || _lost)
            {
                return new ValueTask<bool>(_completed);
            }

            _waiting = true;
        }

        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>True when the call completed within <paramref name="timeout"/> (take <see cref="Result"/>); false when
    /// it did not: the call is abandoned to this watch, which must not be used again.</summary>
    public ValueTask<bool> UntilCompletedWithinAsync(TimeSpan timeout)
    {
        _core.Reset();
        lock (_lock)
        {
            if (_completed)
            {
                return new ValueTask<bool>(true);
            }

            _waiting = true;
            _timer = TimeProvider.System.CreateTimer(static state => ((FailoverWatch)state!).OnTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
        }

        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>The call's answer (or its exception), once it completed; the request is then over.</summary>
    public Reply Result()
    {
        try
        {
            return _call.GetResult();
        }
        finally
        {
            Disarm();
        }
    }

    /// <summary>A silo was lost: the wait of a call running now (or about to start) ends.</summary>
    public void SiloLost()
    {
        lock (_lock)
        {
            if (!_armed || _completed)
            {
                return;
            }

            _lost = true;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        // Off the monitor's thread: it tells every connection in turn.
        ThreadPool.UnsafeQueueUserWorkItem(static watch => watch._core.SetResult(false), this, preferLocal: false);
    }

    private void OnCallCompleted()
    {
        lock (_lock)
        {
            if (_abandoned)
            {
                ObserveAbandoned();
                return;
            }

            _completed = true;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        Interlocked.Exchange(ref _timer, null)?.Dispose();
        // On the thread that completed the call, as awaiting the call itself would be.
        _core.SetResult(true);
    }

    private void OnTimeout()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            _abandoned = true;
        }

        Interlocked.Exchange(ref _timer, null)?.Dispose();
        _core.SetResult(false);
    }

    private void ObserveAbandoned()
    {
        try
        {
            _call.GetResult();
        }
        catch (Exception)
        {
            // The request was already answered as lost in the failover and repeated; what its first attempt
            // finally did is the repeat's business (request keys). Taking the exception here keeps it observed.
        }
        finally
        {
            _call = default;
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
