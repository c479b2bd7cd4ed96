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

/// <summary>The account session a connection holds after Login or ResumeSession, and the character it plays (and that character's world) after EnterWorld.</summary>
public sealed record AccountBinding(string AccountKey, Guid AccountId, Guid SessionId, Guid? CharacterId, string? WorldId = null)
{
    /// <summary>The character played, when there is one.</summary>
    public bool TryGetCharacter(out PlayingCharacter character)
    {
        character = new PlayingCharacter(this, CharacterId.GetValueOrDefault());
        return CharacterId.HasValue;
    }
}

/// <summary>A connection's account session together with the character it plays: what in-world handlers act for.</summary>
public readonly record struct PlayingCharacter(AccountBinding Account, Guid CharacterId)
{
    public string AccountKey => Account.AccountKey;

    public Guid SessionId => Account.SessionId;
}

/// <summary>A connection's state and the binding that goes with it, replaced as one so no reader sees one without the other.</summary>
public sealed record SessionPhase(SessionState State, AccountBinding? Binding)
{
    public static SessionPhase Handshaking { get; } = new(SessionState.Handshaking, null);

    public static SessionPhase Connected { get; } = new(SessionState.Connected, null);

    public static SessionPhase Of(SessionState state, AccountBinding? binding) => (state, binding) switch
    {
        (SessionState.Handshaking, null) => Handshaking,
        (SessionState.Connected, null) => Connected,
        _ => new SessionPhase(state, binding),
    };
}
