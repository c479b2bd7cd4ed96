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
}

[GenerateSerializer, Alias("mmo.CharacterRecord")]
public sealed class CharacterRecord
{
    [Id(0)] public Guid CharacterId { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public int Level { get; set; } = 1;

    public CharacterSummary ToSummary() => new(CharacterId, Name, CreatedAt, Level);
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
}
