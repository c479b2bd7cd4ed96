namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Grain keys for the account family. String keys carry a prefix because the ADO.NET storage
/// stores keys that parse as hex or a Guid as numbers ("a" and "0a" would share a row).
/// </summary>
public static class AccountKeys
{
    /// <summary>Longest username any configuration accepts; the gateway refuses longer ones without asking a grain.</summary>
    public const int MaxUsernameLength = 64;

    /// <summary>Longest device token a Login may carry (one is 99 characters); the gateway passes a longer one on as none.</summary>
    public const int MaxDeviceTokenLength = 128;

    /// <summary>
    /// The shape every username has (ASCII letters, digits, '_', '.', '-'), checked at the gateway so
    /// that garbage never activates a grain or costs a password hash. Lengths are the account's to judge.
    /// </summary>
    public static bool IsWellFormedUsername(string? username)
    {
        if (string.IsNullOrEmpty(username) || username.Length > MaxUsernameLength)
        {
            return false;
        }

        foreach (var c in username)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static string NormalizeUsername(string username) => username.Trim().ToLowerInvariant();

    public static string ForUsername(string username) => "acct:" + NormalizeUsername(username);

    /// <summary>
    /// Case-folded, so "JOHN" and "john" are one spelling. Names are claimed by their confusable skeleton
    /// (CharacterNames.Key in the grains assembly); this form is the exact spelling a look-alike kept from before
    /// skeletons is found by, and the key of names claimed before them (<see cref="ForCharacterName"/>, which the
    /// name migration reads): change it only with a migration.
    /// </summary>
    public static string NormalizeCharacterName(string name) =>
        name.Trim().ToUpperInvariant().ToLowerInvariant();

    /// <summary>The default world's name key from before confusable skeletons ("name:" + case-folded name).</summary>
    public static string ForCharacterName(string name) => "name:" + NormalizeCharacterName(name);

    /// <summary>The login throttle's key for a client address: one per IPv4 address, one per IPv6 /64 (<see cref="SourceOf"/>).</summary>
    public static string ForRemoteAddress(string address) => "addr:" + (SourceOf(address) ?? address);

    /// <summary>The failed-resume budget's key for a client address: a throttle of its own, apart from the password one.</summary>
    public static string ForResumeAddress(string address) => "resume:" + (SourceOf(address) ?? address);

    /// <summary>
    /// The key every per-address rule limits a client by: an IPv4 address (IPv4-mapped IPv6 included) as itself,
    /// an IPv6 address by its /64 network (one subscriber's block); null when <paramref name="remoteAddress"/>
    /// is not an IP address.
    /// </summary>
    public static string? SourceOf(string remoteAddress)
    {
        if (!System.Net.IPAddress.TryParse(remoteAddress, out var address))
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }
}
