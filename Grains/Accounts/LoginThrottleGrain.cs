using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Accounts;

public sealed class LoginThrottleGrain(IOptions<AccountOptions> options, TimeProvider time) : Grain, ILoginThrottleGrain
{
    /// <summary>
    /// A slot not given back within this long is dropped: its caller died mid-check. Far longer than a hash,
    /// even one queued behind a saturated hasher.
    /// </summary>
    private static readonly TimeSpan AbandonedAttempt = TimeSpan.FromSeconds(30);

    /// <summary>What a client is told to wait while the budget is full of checks still in flight.</summary>
    private static readonly TimeSpan InFlightRetryAfter = TimeSpan.FromSeconds(1);

    private readonly AccountOptions _options = options.Value;
    private readonly Queue<DateTimeOffset> _failures = new();
    private readonly Queue<DateTimeOffset> _inFlight = new();
    private DateTimeOffset _blockedUntil;

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
            return Task.FromResult(InFlightRetryAfter);
        }

        _inFlight.Enqueue(now);
        return Task.FromResult(TimeSpan.Zero);
    }

    public Task EndAttempt(bool failed)
    {
        // Slots are interchangeable: give back the oldest (one already dropped as abandoned leaves none).
        _inFlight.TryDequeue(out _);
        if (failed)
        {
            AddFailure(time.GetUtcNow());
        }

        return Task.CompletedTask;
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
