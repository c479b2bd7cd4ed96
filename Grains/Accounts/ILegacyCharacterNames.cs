namespace OrleansMmo.Grains.Accounts;

/// <summary>The grain keys of character names claimed before confusable skeletons, read from storage by the silo.</summary>
public interface ILegacyCharacterNames
{
    /// <summary>Up to <paramref name="limit"/> legacy name keys ("name:...") after <paramref name="after"/>, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAfterAsync(string after, int limit, CancellationToken cancellationToken = default);
}
