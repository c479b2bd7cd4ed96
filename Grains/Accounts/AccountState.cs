namespace OrleansMmo.Grains.Accounts;

/// <summary>Stored state of an account. Ids are forever: add fields, never renumber.</summary>
[GenerateSerializer, Alias("mmo.AccountState")]
public sealed class AccountState
{
    [Id(0)] public Guid AccountId { get; set; }
    [Id(1)] public string Username { get; set; } = "";
    [Id(2)] public string PasswordHash { get; set; } = "";
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    [Id(4)] public List<CharacterRecord> Characters { get; set; } = [];
    /// <summary>Stored so a reactivated account still kicks the old connection and honours its ticket.</summary>
    [Id(5)] public ActiveSession? Session { get; set; }
    [Id(6)] public DateTimeOffset? LastLoginAt { get; set; }
    /// <summary>Set by an admin; GMs and admins may use operator actions in the game.</summary>
    [Id(7)] public Operations.AccountRole Role { get; set; }
    /// <summary>The latest ban; kept after it ends, as history, and replaced by the next one.</summary>
    [Id(8)] public Operations.BanInfo? Ban { get; set; }
    /// <summary>The gateway's key of the Register request that created the account: its repeat is answered, not refused.</summary>
    [Id(9)] public Guid CreatedByRequest { get; set; }
}

[GenerateSerializer, Alias("mmo.CharacterRecord")]
public sealed class CharacterRecord
{
    [Id(0)] public Guid CharacterId { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public int Level { get; set; } = 1;
    /// <summary>The world the character lives in; empty for characters made before worlds existed (the default world).</summary>
    [Id(4)] public string WorldId { get; set; } = "";
    /// <summary>The gateway's key of the CreateCharacter request that made it: its repeat yields this character.</summary>
    [Id(5)] public Guid CreatedByRequest { get; set; }

    /// <param name="defaultWorld">The world of a character stored without one.</param>
    public CharacterSummary ToSummary(string defaultWorld) => new(CharacterId, Name, CreatedAt, Level, string.IsNullOrEmpty(WorldId) ? defaultWorld : WorldId);
}

/// <summary>The account's one live session and its one spendable ticket.</summary>
[GenerateSerializer, Alias("mmo.ActiveSession")]
public sealed class ActiveSession
{
    [Id(0)] public Guid SessionId { get; set; }
    /// <summary>The connection holding the session; null while the client is disconnected.</summary>
    [Id(1)] public SessionEndpoint? Endpoint { get; set; }
    [Id(2)] public Guid TicketId { get; set; }
    /// <summary>The ticket spent last, to tell a replayed ticket from a forged one.</summary>
    [Id(3)] public Guid SpentTicketId { get; set; }
    [Id(4)] public Guid? CharacterInWorld { get; set; }
    /// <summary>The gateway's key of the ResumeSession request that started this session: its repeat yields this session.</summary>
    [Id(5)] public Guid StartedByRequest { get; set; }
    /// <summary>The character the session that this one replaced had in the world (the resume's answer), for a repeat.</summary>
    [Id(6)] public Guid? PreviousCharacter { get; set; }
}
