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
}
