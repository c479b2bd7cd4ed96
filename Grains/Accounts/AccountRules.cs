using System.Text;

namespace OrleansMmo.Grains.Accounts;

/// <summary>What a valid username, password and character name look like.</summary>
public static class AccountRules
{
    public static bool IsValidUsername(string? username, AccountOptions options) =>
        AccountKeys.IsWellFormedUsername(username)
        && username!.Length >= options.UsernameMinLength
        && username.Length <= options.UsernameMaxLength;

    public static bool IsValidPassword(string? password, AccountOptions options) =>
        password is not null
        && password.Length >= options.PasswordMinLength
        && password.Length <= options.PasswordMaxLength
        && !password.Any(char.IsControl);

    /// <summary>
    /// What an imported account's password may be: whatever the old system allowed, within today's maximum and
    /// without control characters. Only the rule for new passwords changed; a login never checks length.
    /// </summary>
    public static bool IsValidLegacyPassword(string? password, AccountOptions options) =>
        !string.IsNullOrEmpty(password)
        && password.Length <= options.PasswordMaxLength
        && !password.Any(char.IsControl);

    /// <summary>
    /// Letters and digits of any script, inside the BMP or not; no spaces, symbols, emoji, combining
    /// marks or control characters. The name is trimmed, then its length is counted in Unicode scalar
    /// values (characters, not UTF-16 units). No Unicode normalization: the processes run with
    /// invariant globalization, where string.Normalize does nothing, so calling it would only pretend.
    /// The name must be single-script by Unicode TR39 (<see cref="ConfusableNames.IsSingleScript"/>): no Latin
    /// with Cyrillic look-alikes, no mixed digit sets; Han with kana (Japanese) or with Hangul (Korean) is one script.
    /// </summary>
    public static bool TryNormalizeCharacterName(string? name, AccountOptions options, out string display)
    {
        display = "";
        if (string.IsNullOrWhiteSpace(name) || name.Length > options.CharacterNameMaxLength * 4)
        {
            return false;
        }

        var normalized = name.Trim();
        var length = 0;
        foreach (var rune in normalized.EnumerateRunes())
        {
            if (!Rune.IsLetterOrDigit(rune) || ++length > options.CharacterNameMaxLength)
            {
                return false;
            }
        }

        if (length < options.CharacterNameMinLength || !ConfusableNames.IsSingleScript(normalized))
        {
            return false;
        }

        display = normalized;
        return true;
    }
}
