using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Accounts;

public sealed class LoginThrottleGrain(IOptions<AccountOptions> options, TimeProvider time) : Grain, ILoginThrottleGrain
{
    /// <summary>
    /// A slot not given back within this long is dropped: its caller died mid-check. Far longer than a hash,
    /// even one queued behind a saturated hasher.
    /// </summary>
    private static readonly TimeSpan AbandonedAttempt = TimeSpan.FromSeconds(30);

    /// <summary>The guess of a check's duration before this address has finished one: about one hash.</summary>
    private static readonly TimeSpan FirstAttemptEstimate = TimeSpan.FromSeconds(1);

    /// <summary>Keeps turns apart even when checks answer at once (unknown names on an idle hasher).</summary>
    private static readonly TimeSpan ShortestAttemptEstimate = TimeSpan.FromMilliseconds(100);

    private readonly AccountOptions _options = options.Value;
    private readonly Queue<DateTimeOffset> _failures = new();
    private readonly Queue<DateTimeOffset> _inFlight = new();
    private DateTimeOffset _blockedUntil;

    // Refused callers are handed turns one after another at the pace this address's checks finish, so a
    // storm behind one address (a NAT, a campus, a benchmark) comes back spread out instead of all at once a
    // second later, each wave refused again (measured: 3,500 refusals per 30 s with one 1 s answer for all).
    private TimeSpan _meanAttempt = FirstAttemptEstimate;
    private DateTimeOffset _lastTurn;

    public Task<TimeSpan> GetRetryAfter()
    {
        var remaining = _blockedUntil - time.GetUtcNow();
        return Task.FromResult(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
    }

    public Task RecordFailure()
    {
        AddFailure(time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<TimeSpan> TryBeginAttempt()
    {
        var now = time.GetUtcNow();
        if (_blockedUntil > now)
        {
            return Task.FromResult(_blockedUntil - now);
        }

        Forget(now);
        if (_failures.Count + _inFlight.Count >= _options.MaxFailedLoginsPerAddress)
        {
            return Task.FromResult(NextTurn(now));
        }

        _inFlight.Enqueue(now);
        return Task.FromResult(TimeSpan.Zero);
    }

    public Task EndAttempt(bool failed)
    {
        // Slots are interchangeable: give back the oldest (one already dropped as abandoned leaves none). The
        // oldest start also measures the pace slots come free, which is what the turns are spaced by.
        var now = time.GetUtcNow();
        if (_inFlight.TryDequeue(out var started))
        {
            var took = now - started;
            var mean = (_meanAttempt * 0.8) + (took * 0.2);
            _meanAttempt = mean < ShortestAttemptEstimate ? ShortestAttemptEstimate : mean;
        }

        if (failed)
        {
            AddFailure(now);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The wait for a caller refused while the budget is full of checks in flight: the turn after the last one
    /// handed out, a slot's mean duration divided by the slots checks can hold. Past
    /// <see cref="AccountOptions.MaxThrottledRetryAfter"/> callers are spread over its second half instead,
    /// so the queue of turns stays bounded and nobody is told to wait longer than the cap.
    /// </summary>
    private TimeSpan NextTurn(DateTimeOffset now)
    {
        var slots = Math.Max(1, _options.MaxFailedLoginsPerAddress - _failures.Count);
        var turn = (_lastTurn > now ? _lastTurn : now) + (_meanAttempt / slots);
        var cap = _options.MaxThrottledRetryAfter;
        if (turn - now <= cap)
        {
            _lastTurn = turn;
            return turn - now;
        }

        return (cap / 2) + (cap / 2 * Random.Shared.NextDouble());
    }

    private void AddFailure(DateTimeOffset now)
    {
        Forget(now);
        _failures.Enqueue(now);
        if (_failures.Count >= _options.MaxFailedLoginsPerAddress)
        {
            _blockedUntil = now + _options.AddressLockout;
            _failures.Clear();
        }
    }

    private void Forget(DateTimeOffset now)
    {
        while (_failures.Count > 0 && now - _failures.Peek() > _options.AddressFailureWindow)
        {
            _failures.Dequeue();
        }

        while (_inFlight.Count > 0 && now - _inFlight.Peek() > AbandonedAttempt)
        {
            _inFlight.Dequeue();
        }
    }
}
