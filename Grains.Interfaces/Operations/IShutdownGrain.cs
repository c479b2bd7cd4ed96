namespace OrleansMmo.Grains.Operations;

/// <summary>
/// A scheduled shutdown of the whole cluster: a countdown announced to every player (SYSTEM chat at
/// sensible intervals) during which gateways refuse new logins, then every connection is closed with
/// SERVER_SHUTDOWN (each session recorded as ended by "shutdown"), then every silo and gateway stops
/// gracefully, writing every player's state. In memory: a failover of its silo cancels the countdown
/// (announced players then simply stay). Key: 0.
/// </summary>
[Alias("mmo.IShutdownGrain")]
public interface IShutdownGrain : IGrainWithIntegerKey
{
    /// <summary>Starts (or moves) the countdown to <paramref name="at"/>.</summary>
    [Alias("Schedule")]
    Task<ShutdownStatus> Schedule(DateTimeOffset at, string message, string by);

    /// <summary>Calls off a countdown; false once the shutdown has begun (or none was scheduled).</summary>
    [Alias("Cancel")]
    Task<bool> Cancel();

    [Alias("GetStatus"), Orleans.Concurrency.ReadOnly]
    Task<ShutdownStatus> GetStatus();
}

[GenerateSerializer, Alias("mmo.ShutdownPhase")]
public enum ShutdownPhase
{
    None = 0,
    /// <summary>Counting down: announcements, no new logins.</summary>
    Counting = 1,
    /// <summary>Closing every connection.</summary>
    Disconnecting = 2,
    /// <summary>Silos and gateways are stopping.</summary>
    Stopping = 3,
}

[GenerateSerializer, Alias("mmo.ShutdownStatus")]
public sealed record ShutdownStatus(
    [property: Id(0)] ShutdownPhase Phase,
    [property: Id(1)] DateTimeOffset? At,
    [property: Id(2)] string Message,
    [property: Id(3)] string By)
{
    public static readonly ShutdownStatus None = new(ShutdownPhase.None, null, "", "");
}
