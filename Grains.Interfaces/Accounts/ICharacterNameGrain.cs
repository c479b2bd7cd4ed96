namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Claims one character name in one world, so names are unique regardless of case and of look-alike letters.
/// Key: "skel:" + world + ":" + the name's TR39 confusable skeleton (CharacterNames.Key in the grains assembly).
/// Grains keyed "name:" + case-folded name hold the claims made before skeletons; the name migration copies
/// them to skeleton keys and nothing else reads them.
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

    /// <summary>
    /// Who <paramref name="foldedName"/> (a case-folded name with this key's skeleton) names: the character
    /// claimed under exactly that name before skeletons, if two such look-alikes existed (see
    /// <see cref="ClaimMigrated"/>), otherwise the holder; null if the name is free.
    /// </summary>
    [Alias("Find"), Orleans.Concurrency.ReadOnly]
    Task<CharacterOwner?> Find(string foldedName);

    /// <summary>
    /// The migration's claim for a character named <paramref name="foldedName"/> before skeletons: it becomes
    /// the holder if the name is free (true); if another character holds it (two look-alike names existed
    /// before), it is kept as a look-alike reachable by its exact name (false). Idempotent.
    /// </summary>
    [Alias("ClaimMigrated")]
    Task<bool> ClaimMigrated(CharacterOwner owner, string foldedName);
}

/// <summary>The holder of a character name: the character and its account (the key is empty for names claimed before keys were kept).</summary>
[GenerateSerializer, Alias("mmo.CharacterOwner")]
public sealed record CharacterOwner(
    [property: Id(0)] Guid AccountId,
    [property: Id(1)] Guid CharacterId,
    [property: Id(2)] string AccountKey);
