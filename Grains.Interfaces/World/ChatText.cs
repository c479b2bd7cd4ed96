using System.Globalization;
using System.Text;

namespace OrleansMmo.Grains.World;

/// <summary>The one rule for text shown in other players' chat windows: player lines and operator announcements.</summary>
public static class ChatText
{
    private const int ZeroWidthJoiner = 0x200D;

    /// <summary>
    /// Whether <paramref name="text"/> may be shown in other players' chat (player lines and operator
    /// announcements alike): not empty or blank, at most <paramref name="maxLength"/> characters, counted
    /// as Unicode scalar values (an emoji outside the BMP is one, not two UTF-16 units), and none of the
    /// characters that let one player forge what another sees: control characters (line breaks, escape
    /// sequences), line and paragraph separators (U+2028, U+2029: a fake line such as "[System] ..."),
    /// and invisible format characters (category Cf): bidi embeddings, overrides and isolates
    /// (U+202A-U+202E, U+2066-U+2069) that reverse or reorder the rest of the window's line, marks
    /// (U+200E, U+200F), zero-width spaces and joiners (U+200B, U+200C, U+2060, U+FEFF) that make two
    /// names or words look alike. The one exception is the zero-width joiner between two symbols, which
    /// builds emoji sequences (a family, a profession) and hides nothing.
    /// </summary>
    public static bool IsAcceptable(string? text, int maxLength)
    {
        // A scalar value is one or two UTF-16 units: only the range in between needs counting.
        if (string.IsNullOrWhiteSpace(text) || text.Length > 2 * maxLength)
        {
            return false;
        }

        var length = 0;
        var previous = default(Rune);
        using var runes = text.EnumerateRunes();
        var hasNext = runes.MoveNext();
        while (hasNext)
        {
            var rune = runes.Current;
            hasNext = runes.MoveNext();
            if (++length > maxLength || IsForbidden(rune, previous, hasNext ? runes.Current : default))
            {
                return false;
            }

            previous = rune;
        }

        return true;
    }

    private static bool IsForbidden(Rune rune, Rune previous, Rune next) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => true,
        UnicodeCategory.Format => !(rune.Value == ZeroWidthJoiner && IsEmojiPart(previous) && IsEmojiPart(next)),
        _ => false,
    };

    // Symbols, skin-tone modifiers (Sk) and the emoji variation selector (U+FE0F, a mark) sit on either side of a joiner in emoji sequences.
    private static bool IsEmojiPart(Rune rune) =>
        rune.Value == 0xFE0F || Rune.GetUnicodeCategory(rune) is UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol;
}
