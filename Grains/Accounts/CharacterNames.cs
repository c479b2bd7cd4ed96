namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Where a character name is claimed: names are unique per world by their TR39 confusable skeleton
/// (<see cref="ConfusableNames.Key"/>), so "Admin", "ADMIN", "Аdmin" with a Cyrillic А and "Adrnin" are one name.
/// </summary>
public static class CharacterNames
{
    /// <summary>Prefix of the name grains keyed by skeleton; names claimed before skeletons use <see cref="LegacyPrefix"/>.</summary>
    public const string SkeletonPrefix = "skel:";

    /// <summary>Prefix of the name grains of the case-folded keys names had before (see <see cref="LegacyKey"/>).</summary>
    public const string LegacyPrefix = "name:";

    /// <summary>
    /// The name grain's key for <paramref name="name"/> in <paramref name="worldId"/>: <c>skel:WORLD:SKELETON</c>.
    /// Case-folded first as the old keys were, so a name and its old key's folded form always give one key.
    /// </summary>
    public static string Key(string worldId, string name, string defaultWorld) =>
        $"{SkeletonPrefix}{(string.IsNullOrEmpty(worldId) ? defaultWorld : worldId)}:{ConfusableNames.Key(AccountKeys.NormalizeCharacterName(name))}";

    /// <summary>
    /// The key names were claimed under before skeletons (case-folded only): the default world's
    /// <c>name:bob</c>, other worlds' <c>name:ruby:bob</c>. Read only by the migration
    /// (<see cref="CharacterNameMigrationGrain"/>) and released when such a character is deleted.
    /// </summary>
    public static string LegacyKey(string worldId, string name, string defaultWorld) =>
        string.IsNullOrEmpty(worldId) || worldId == defaultWorld
            ? AccountKeys.ForCharacterName(name)
            : $"{LegacyPrefix}{worldId}:{AccountKeys.NormalizeCharacterName(name)}";

    /// <summary>
    /// The world and case-folded name of a legacy key (<see cref="LegacyKey"/>); false for anything else.
    /// Names hold no ':' (letters and digits only), so the last ':' separates a world from the name.
    /// </summary>
    public static bool TryParseLegacyKey(string key, string defaultWorld, out string worldId, out string foldedName)
    {
        worldId = "";
        foldedName = "";
        if (!key.StartsWith(LegacyPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = key[LegacyPrefix.Length..];
        var colon = rest.LastIndexOf(':');
        worldId = colon < 0 ? defaultWorld : rest[..colon];
        foldedName = colon < 0 ? rest : rest[(colon + 1)..];
        return foldedName.Length > 0 && worldId.Length > 0;
    }
}
