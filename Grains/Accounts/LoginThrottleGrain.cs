using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Accounts;

public sealed class LoginThrottleGrain(IOptions<AccountOptions> options, TimeProvider time) : Grain, ILoginThrottleGrain
{
    private readonly AccountOptions _options = options.Value;
    private readonly Queue<DateTimeOffset> _failures = new();
    private DateTimeOffset _blockedUntil;

    public Task<TimeSpan> GetRetryAfter()
    {
        var remaining = _blockedUntil - time.GetUtcNow();
        return Task.FromResult(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
    }

    public Task RecordFailure()
    {
        var now = time.GetUtcNow();
        while (_failures.Count > 0 && now - _failures.Peek() > _options.AddressFailureWindow)
        {
            _failures.Dequeue();
        }

        _failures.Enqueue(now);
        if (_failures.Count >= _options.MaxFailedLoginsPerAddress)
        {
            _blockedUntil = now + _options.AddressLockout;
            _failures.Clear();
        }

        return Task.CompletedTask;
    }
}
