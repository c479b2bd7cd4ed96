namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// Where a connection is in its life. Each opcode names the states it is allowed in.
/// Handshaking -Hello-> Connected -Login/Resume-> Authenticated -EnterWorld-> InWorld;
/// LeaveWorld goes back to Authenticated, Logout back to Connected.
/// </summary>
[Flags]
public enum SessionState
{
    None = 0,
    Handshaking = 1,
    Connected = 2,
    Authenticated = 4,
    InWorld = 8,
    LoggedIn = Authenticated | InWorld,
    AfterHello = Connected | Authenticated | InWorld,
}

/// <summary>The account session a connection holds after Login or ResumeSession; in the world, its character and that character's world.</summary>
public sealed record AccountBinding(string AccountKey, Guid AccountId, Guid SessionId, Guid? CharacterId, string? WorldId = null);
