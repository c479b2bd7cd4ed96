using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace OrleansMmo.Grains.Accounts;

/// <summary>
/// Unicode TR39 (UTS #39) checks for character names, on data generated into this folder by
/// <c>scripts/name-data/generate.mjs</c> (the processes run with invariant globalization: no ICU, so
/// neither string.Normalize nor a script property is available at run time). Loaded once per process
/// into frozen tables; a check is a few dictionary and binary-search look-ups per character.
/// </summary>
public static class ConfusableNames
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, JamoL = 0x1100, JamoV = 0x1161, JamoT = 0x11A7, JamoVCount = 21, JamoTCount = 28;

    // A Han character belongs to Chinese, Japanese and Korean writing; kana to Japanese; Hangul to Korean;
    // Bopomofo to Han with Bopomofo: TR39's augmented script sets (section 5.1), so "山田タロウ" and "김金"
    // are single-script while Latin with Cyrillic is not.
    private static readonly FrozenDictionary<string, string[]> Augmented = new Dictionary<string, string[]>
    {
        ["Hani"] = ["Hanb", "Jpan", "Kore"],
        ["Hira"] = ["Jpan"],
        ["Kana"] = ["Jpan"],
        ["Hang"] = ["Kore"],
        ["Bopo"] = ["Hanb"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<int, string> Pieces = LoadSkeletons();
    private static readonly ScriptRanges Scripts = LoadScripts();

    /// <summary>
    /// The TR39 skeleton of <paramref name="text"/>: NFD, each character replaced by its confusables.txt
    /// prototype, NFD again; computed from per-character pieces. Concatenating pieces skips the canonical
    /// reordering of combining marks across two characters' pieces, which names (no combining marks are
    /// accepted) never need.
    /// </summary>
    public static string Skeleton(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            if (value - HangulBase is >= 0 and < HangulCount and var index)
            {
                // Hangul syllables decompose by formula (Unicode chapter 3.12) into jamo, which have pieces of their own.
                Append(builder, JamoL + (index / (JamoVCount * JamoTCount)));
                Append(builder, JamoV + (index % (JamoVCount * JamoTCount) / JamoTCount));
                if (index % JamoTCount != 0)
                {
                    Append(builder, JamoT + (index % JamoTCount));
                }
            }
            else
            {
                Append(builder, value);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The key two names share when they look alike in any case: lower(skeleton(lower(skeleton(upper(name))))).
    /// Uppercasing first folds case the way names always have ("JOHN" is "john") and meets the capitals'
    /// confusables ("I" and "l", "0" and "O"); the second skeleton meets the small letters' ("rn" and "m",
    /// Cyrillic "а" and Latin "a"). It is deliberately the transitive closure: "ian" is the same name as "Ian",
    /// which looks like "lan", so "ian" and "lan" share a key.
    /// </summary>
    public static string Key(string name)
    {
        var trimmed = name.Trim();
        return Skeleton(Skeleton(trimmed.ToUpperInvariant()).ToLowerInvariant()).ToLowerInvariant();
    }

    /// <summary>
    /// True when <paramref name="name"/> is single-script by TR39 section 5.1: the intersection of its
    /// characters' augmented Script_Extensions is not empty, Common and Inherited characters (digits 0-9,
    /// for one) going with any script; and its decimal digits, if any, come from one digit set (no "1" with "١").
    /// </summary>
    public static bool IsSingleScript(string name)
    {
        HashSet<string>? resolved = null;
        var zeroOfDigits = -1;
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.DecimalDigitNumber)
            {
                var zero = rune.Value - (int)Rune.GetNumericValue(rune);
                if (zeroOfDigits >= 0 && zero != zeroOfDigits)
                {
                    return false;
                }

                zeroOfDigits = zero;
            }

            var scripts = Scripts.Of(rune.Value);
            if (scripts is null)
            {
                continue;
            }

            if (resolved is null)
            {
                resolved = new HashSet<string>(scripts, StringComparer.Ordinal);
            }
            else
            {
                resolved.IntersectWith(scripts);
            }

            if (resolved.Count == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static void Append(StringBuilder builder, int value)
    {
        if (Pieces.TryGetValue(value, out var piece))
        {
            builder.Append(piece);
        }
        else
        {
            builder.Append(new Rune(value).ToString());
        }
    }

    private static IEnumerable<string> DataLines(string file)
    {
        using var stream = typeof(ConfusableNames).Assembly.GetManifestResourceStream("OrleansMmo.Names." + file)
            ?? throw new InvalidOperationException($"The embedded name data {file} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                yield return line;
            }
        }
    }

    private static int Hex(string text) => int.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static FrozenDictionary<int, string> LoadSkeletons()
    {
        var pieces = new Dictionary<int, string>();
        foreach (var line in DataLines("skeleton.txt"))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            pieces[Hex(line[..tab])] = string.Concat(line[(tab + 1)..].Split(' ').Select(h => char.ConvertFromUtf32(Hex(h))));
        }

        return pieces.ToFrozenDictionary();
    }

    private static ScriptRanges LoadScripts()
    {
        var starts = new List<int>();
        var ends = new List<int>();
        var sets = new List<string[]?>();
        foreach (var line in DataLines("scripts.txt"))
        {
            var parts = line.Split(' ');
            starts.Add(Hex(parts[0]));
            ends.Add(Hex(parts[1]));
            var codes = parts[2].Split(',');
            // Common and Inherited go with every script: null stands for "any".
            sets.Add(codes.Contains("Zyyy") || codes.Contains("Zinh")
                ? null
                : codes.SelectMany(c => Augmented.TryGetValue(c, out var more) ? [c, .. more] : new[] { c }).Distinct().ToArray());
        }

        return new ScriptRanges([.. starts], [.. ends], [.. sets]);
    }

    private sealed class ScriptRanges(int[] starts, int[] ends, string[]?[] sets)
    {
        private static readonly string[] Unknown = ["Zzzz"];

        /// <summary>The augmented script set of a code point; null for Common and Inherited (any script).</summary>
        public string[]? Of(int value)
        {
            var index = Array.BinarySearch(starts, value);
            if (index < 0)
            {
                index = ~index - 1;
            }

            // A letter newer than the data has no script here: it mixes with nothing but itself.
            return index >= 0 && value <= ends[index] ? sets[index] : Unknown;
        }
    }
}
