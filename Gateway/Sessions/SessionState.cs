using OrleansMmo.Grains.World;

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
    // The played character's grain reference, made on first use: IGrainFactory.GetGrain resolves the interface by
    // reflection and builds a new proxy every time, a cost every in-world request paid (docs/benchmarks, issue 15).
    private readonly PlayerGrainCache _player = new();

    /// <summary>The Player grain of <paramref name="characterId"/>, made once and then reused.</summary>
    public IPlayerGrain PlayerGrain(IGrainFactory grains, Guid characterId) => _player.Get(grains, characterId);

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
    /// <summary>The character's Player grain (one reference per binding, see <see cref="AccountBinding.PlayerGrain"/>).</summary>
    public IPlayerGrain Player(IGrainFactory grains) => Account.PlayerGrain(grains, CharacterId);


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

/// <summary>
/// A Player grain reference kept with the character it was made for. A cache, not part of a binding's value: every
/// instance equals every other, so record equality ignores it; a <c>with</c> copy shares it, and a copy for another
/// character simply replaces what it holds.
/// </summary>
internal sealed class PlayerGrainCache
{
    private CachedPlayer? _player;

    public IPlayerGrain Get(IGrainFactory grains, Guid characterId)
    {
        var cached = Volatile.Read(ref _player);
        if (cached is null || cached.CharacterId != characterId)
        {
            // Two threads may both make one: either reference is as good.
            cached = new CachedPlayer(characterId, grains.GetGrain<IPlayerGrain>(characterId));
            Volatile.Write(ref _player, cached);
        }

        return cached.Grain;
    }

    public override bool Equals(object? obj) => obj is PlayerGrainCache;

    public override int GetHashCode() => 0;

    private sealed record CachedPlayer(Guid CharacterId, IPlayerGrain Grain);
}
