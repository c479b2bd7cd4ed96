using OrleansMmo.Grains.Accounts;

namespace OrleansMmo.Tests.Accounts;

/// <summary>The TR39 tables behind character names, read from the embedded data (no cluster needed).</summary>
[Trait("Category", "Unit")]
public class ConfusableNamesDataTests
{
    [Theory]
    [InlineData("Admin", "ADMIN")]
    [InlineData("Admi", "\u0410\u0501\u043C\u0456")] // Cyrillic А ԁ м і
    [InlineData("Admin", "Adrnin")]
    [InlineData("Admin", "\uFF21\uFF44\uFF4D\uFF49\uFF4E")] // full width
    [InlineData("lan", "Ian")]
    [InlineData("lan", "1an")]
    [InlineData("bob", "b0b")]
    [InlineData("\u30AB\u30BF", "\u529B\u30BF")] // カタ and 力タ
    [InlineData("\uD55C", "\u1112\u1161\u11AB")] // 한 and its jamo: Hangul syllables decompose like NFD
    public void LookAlikesShareAKey(string one, string other) =>
        Assert.Equal(ConfusableNames.Key(one), ConfusableNames.Key(other));

    [Theory]
    [InlineData("Admin", "Adnim")]
    [InlineData("\u0414\u043C\u0438\u0442\u0440\u0438\u0439", "\u0414\u043C\u0438\u0442\u0440\u0438\u0438")]
    [InlineData("\u674E\u5C0F\u9F8D", "\u674E\u5C0F\u9F99")]
    public void DifferentNamesHaveDifferentKeys(string one, string other) =>
        Assert.NotEqual(ConfusableNames.Key(one), ConfusableNames.Key(other));

    [Theory]
    [InlineData("Admin", true)]
    [InlineData("Jos\u00E9", true)]
    [InlineData("\u0414\u043C\u0438\u0442\u0440\u0438\u0439", true)]
    [InlineData("\u0391\u03BB\u03AD\u03BE\u03B1\u03BD\u03B4\u03C1\u03BF\u03C2", true)]
    [InlineData("\u5C71\u7530\u30BF\u30ED\u30A6", true)]       // Han + Katakana: Japanese
    [InlineData("\u3055\u304F\u3089\u592A\u90CE", true)]       // Hiragana + Han: Japanese
    [InlineData("\uAE40\u91D1", true)]                         // Hangul + Han: Korean
    [InlineData("Hero2026", true)]                             // digits are Common
    [InlineData("\u0410dmin", false)]                          // Cyrillic А + Latin
    [InlineData("\u30BF\uAE40", false)]                        // Katakana + Hangul: Japanese and Korean share no script
    [InlineData("abc1\u0661", false)]                          // two digit sets
    public void SingleScriptFollowsTr39(string name, bool expected) =>
        Assert.Equal(expected, ConfusableNames.IsSingleScript(name));
}
