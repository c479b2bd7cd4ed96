namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Claims one character name cluster-wide, so names are unique regardless of case.
/// Key: <see cref="AccountKeys.ForCharacterName"/> ("name:" + case-folded name).
/// </summary>
[Alias("mmo.ICharacterNameGrain")]
public interface ICharacterNameGrain : IGrainWithStringKey
{
    /// <summary>Claims the name for the character; true if it is now (or already was) this character's.</summary>
    [Alias("Claim")]
    Task<bool> Claim(Guid accountId, Guid characterId);

    /// <summary>Frees the name if <paramref name="characterId"/> holds it.</summary>
    [Alias("Release")]
    Task Release(Guid characterId);

    /// <summary>The character holding the name, or <see cref="Guid.Empty"/> if it is free.</summary>
    [Alias("GetCharacter"), Orleans.Concurrency.ReadOnly]
    Task<Guid> GetCharacter();

    /// <summary>Like <see cref="Claim"/>, remembering the owning account's grain key for operators.</summary>
    [Alias("ClaimForAccount")]
    Task<bool> ClaimForAccount(Guid accountId, Guid characterId, string accountKey);

    /// <summary>Who holds the name; null if it is free.</summary>
    [Alias("GetOwner"), Orleans.Concurrency.ReadOnly]
    Task<CharacterOwner?> GetOwner();
}

/// <summary>The holder of a character name: the character and its account (the key is empty for names claimed before keys were kept).</summary>
[GenerateSerializer, Alias("mmo.CharacterOwner")]
public sealed record CharacterOwner(
    [property: Id(0)] Guid AccountId,
    [property: Id(1)] Guid CharacterId,
    [property: Id(2)] string AccountKey);
