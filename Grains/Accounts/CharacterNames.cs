namespace OrleansMmo.Grains.Accounts;

/// <summary>Where a character name is claimed: names are unique per world, regardless of case.</summary>
public static class CharacterNames
{
    /// <summary>
    /// The name grain's key for <paramref name="name"/> in <paramref name="worldId"/>. The default world keeps
    /// the keys names had before worlds existed (<c>name:bob</c>), so its old characters keep their names;
    /// other worlds' keys name the world (<c>name:ruby:bob</c>).
    /// </summary>
    public static string Key(string worldId, string name, string defaultWorld) =>
        string.IsNullOrEmpty(worldId) || worldId == defaultWorld
            ? AccountKeys.ForCharacterName(name)
            : $"name:{worldId}:{AccountKeys.NormalizeCharacterName(name)}";
}
