namespace OrleansMmo.Grains.Accounts;

/// <summary>Where a character name is claimed: names are unique per world, regardless of case.</summary>
public static class CharacterNames
{
    /// <summary>The name grain's key for <paramref name="name"/> in <paramref name="worldId"/>.</summary>
    public static string Key(string worldId, string name) => AccountKeys.ForCharacterName(name);
}
