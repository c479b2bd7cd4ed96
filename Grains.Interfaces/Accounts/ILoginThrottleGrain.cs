namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Failed-login counter for one remote address, shared by every gateway behind the load balancer.
/// In memory only: a silo restart forgives. Key: <see cref="AccountKeys.ForRemoteAddress"/>.
/// </summary>
[Alias("mmo.ILoginThrottleGrain")]
public interface ILoginThrottleGrain : IGrainWithStringKey
{
    /// <summary>How long logins from this address must wait; zero when allowed.</summary>
    [Alias("GetRetryAfter")]
    Task<TimeSpan> GetRetryAfter();

    [Alias("RecordFailure")]
    Task RecordFailure();
}
