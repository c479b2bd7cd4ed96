namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Failed-login budget for one remote address, shared by every gateway behind the load balancer.
/// In memory only: a silo restart forgives. Key: <see cref="AccountKeys.ForRemoteAddress"/>.
/// </summary>
/// <remarks>
/// A password check takes a slot (<see cref="TryBeginAttempt"/>) before it hashes and gives it back when it
/// knows the outcome (<see cref="EndAttempt"/>): checks still hashing count against the budget as if they
/// failed, so N parallel connections from one address get no more guesses than one connection.
/// </remarks>
[Alias("mmo.ILoginThrottleGrain")]
public interface ILoginThrottleGrain : IGrainWithStringKey
{
    /// <summary>How long logins from this address must wait; zero when allowed.</summary>
    [Alias("GetRetryAfter")]
    Task<TimeSpan> GetRetryAfter();

    [Alias("RecordFailure")]
    Task RecordFailure();

    /// <summary>
    /// Takes a slot for one password check: zero when taken (the caller must call <see cref="EndAttempt"/>),
    /// otherwise how long to wait (the address is blocked, or its failures and checks in flight fill the budget).
    /// </summary>
    [Alias("TryBeginAttempt")]
    Task<TimeSpan> TryBeginAttempt();

    /// <summary>Gives back a slot taken by <see cref="TryBeginAttempt"/>; a failed check counts as a failure.</summary>
    [Alias("EndAttempt")]
    Task EndAttempt(bool failed);
}
