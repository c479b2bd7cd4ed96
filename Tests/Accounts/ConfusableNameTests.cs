using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Tests.Infrastructure;
using WireChannel = OrleansMmo.Protocol.Messages.ChatChannel;

namespace OrleansMmo.Tests.Accounts;

/// <summary>
/// Character names by Unicode TR39 (issue 11, item 9): single-script only, unique by confusable skeleton,
/// through real sockets and real grains; old names keep working after the migration to skeleton keys.
/// </summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class ConfusableNameTests(GameCluster cluster)
{
    private const string Password = "correct horse battery";

    // Latin letters whose Cyrillic twins are their confusables.txt prototypes, small and capital.
    private const string Latin = "aceopxACEHKMOPT";
    private const string Cyrillic = "асеорхАСЕНКМОРТ";

    [Theory]
    [InlineData("\u0410dmin")]            // Cyrillic А + Latin "dmin"
    [InlineData("P\u03BFrter")]           // Greek omicron among Latin letters
    [InlineData("\u0421\u043E\u0440e")]   // Cyrillic "Сор" + Latin e
    [InlineData("Hero1\u0661")]           // an ASCII digit with an Arabic-Indic digit
    [InlineData("\u30BF\u30ED\u30A6Bob")] // katakana with Latin
    public async Task NamesMixingScriptsAreRefused(string mixed)
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("mix");
        await using var _ = client;
        var error = await Assert.ThrowsAsync<MmoErrorException>(() => client.CreateCharacterAsync(mixed + Suffix()));
        Assert.Equal(ErrorCode.CharacterNameInvalid, error.Code);
    }

    [Fact]
    public async Task ALookAlikeOfATakenNameIsTakenAndWhispersFindItByEitherSpelling()
    {
        var (first, _, _) = await cluster.LoggedInClientAsync("skela");
        var (second, _, _) = await cluster.LoggedInClientAsync("skelb");
        await using var a = first;
        await using var b = second;
        var latin = "Pa" + Suffix();
        Assert.Equal(latin, (await a.CreateCharacterAsync(latin)).Name);

        // Whole-script look-alikes (every letter Cyrillic), full-width letters, and case: all one name.
        foreach (var lookAlike in new[] { ToCyrillic(latin), ToFullWidth(latin), ToFullWidth(latin.ToUpperInvariant()) })
        {
            var taken = await Assert.ThrowsAsync<MmoErrorException>(() => b.CreateCharacterAsync(lookAlike));
            Assert.Equal(ErrorCode.CharacterNameTaken, taken.Code);
        }

        // "l", "1" and "I" share a prototype in confusables.txt; so do "rn" and "m", "O" and "0".
        var stem = "Ko" + Suffix();
        await a.CreateCharacterAsync(stem + "lm");
        foreach (var lookAlike in new[] { stem + "1m", stem + "Im", stem + "lrn", stem + "1rn" })
        {
            var taken = await Assert.ThrowsAsync<MmoErrorException>(() => b.CreateCharacterAsync(lookAlike));
            Assert.Equal(ErrorCode.CharacterNameTaken, taken.Code);
        }

        var digits = "Bo" + Suffix();
        await a.CreateCharacterAsync(digits + "O");
        Assert.Equal(ErrorCode.CharacterNameTaken, (await Assert.ThrowsAsync<MmoErrorException>(() => b.CreateCharacterAsync(digits + "0"))).Code);

        // A lookup by name finds the character by its skeleton: the Cyrillic spelling reaches the Latin name.
        await using var speaker = await WorldPlayer.EnterAsync(cluster, "skels");
        foreach (var spelling in new[] { latin, ToCyrillic(latin), ToFullWidth(latin) })
        {
            var offline = await Assert.ThrowsAsync<MmoErrorException>(() => speaker.Client.WhisperAsync(spelling, "there?"));
            Assert.Equal(ErrorCode.PlayerOffline, offline.Code);
        }
    }

    [Fact]
    public async Task SingleScriptNamesOfEveryWritingSystemAreAccepted()
    {
        var (client, _, _) = await cluster.LoggedInClientAsync("script");
        await using var _ = client;
        var names = new[]
        {
            "Дмитрий" + Letters("бвгдждзлмнпфцчшщ"),         // Cyrillic
            "Αλέξανδρος" + Letters("αβγδζθλμξπφψω"),          // Greek, with a precomposed accent
            "さくら太郎" + Han(),                                // Japanese: Hiragana with Han
            "ヤマダ" + Han() + "ー",                             // Japanese: Katakana, Han and the long-vowel mark
            "李小龍" + Han(),                                    // Chinese
            "김민준" + Hangul(),                                 // Korean
            "李" + Hangul() + Hangul(),                          // Korean: Hangul with Han (hanja)
            "Zoë" + Letters("bdfghjkqsuvwz") + "2026",          // Latin with a diacritic and ASCII digits
        };
        foreach (var name in names)
        {
            Assert.Equal(name, (await client.CreateCharacterAsync(name)).Name);
        }
    }

    [Fact]
    public async Task KanaAndHanLookAlikesAreOneName()
    {
        var (first, _, _) = await cluster.LoggedInClientAsync("kanaa");
        var (second, _, _) = await cluster.LoggedInClientAsync("kanab");
        await using var a = first;
        await using var b = second;
        // Katakana カ and the ideograph 力 ("power") share a prototype in confusables.txt; both names are Japanese.
        var han = Han() + Han();
        Assert.Equal("カタ" + han, (await a.CreateCharacterAsync("カタ" + han)).Name);
        var taken = await Assert.ThrowsAsync<MmoErrorException>(() => b.CreateCharacterAsync("力タ" + han));
        Assert.Equal(ErrorCode.CharacterNameTaken, taken.Code);
    }

    [Fact]
    public async Task NamesClaimedBeforeSkeletonsKeepWorkingAndTheirLookAlikesAreRefused()
    {
        var grains = cluster.Silo.Services.GetRequiredService<IGrainFactory>();
        var defaultWorld = cluster.Silo.Services.GetRequiredService<GameDataCatalog>().DefaultWorld;
        var latin = "Pa" + Suffix();
        var cyrillic = ToCyrillic(latin);

        // Two characters as an older version left them: claimed under case-folded keys only, and
        // look-alikes of each other (that version let both exist).
        var (a, aUser, aId, aCharacter) = await LegacyCharacterAsync("lega", latin);
        var (b, bUser, bId, bCharacter) = await LegacyCharacterAsync("legb", cyrillic);
        await using var _a = a;
        await using var _b = b;

        var migration = grains.GetGrain<ICharacterNameMigrationGrain>(ICharacterNameMigrationGrain.SingletonKey);
        await migration.Restart();
        await Await.Until(() => migration.IsComplete(), "the name migration to complete");

        // A newcomer cannot take either name, in any spelling.
        var (newcomer, _, _) = await cluster.LoggedInClientAsync("legc");
        await using var c = newcomer;
        foreach (var lookAlike in new[] { latin, latin.ToLowerInvariant(), cyrillic, ToFullWidth(latin) })
        {
            var taken = await Assert.ThrowsAsync<MmoErrorException>(() => c.CreateCharacterAsync(lookAlike));
            Assert.Equal(ErrorCode.CharacterNameTaken, taken.Code);
        }

        // Both old characters keep their names, enter the world, and whispers by the exact name reach each one.
        Assert.Equal(latin, Assert.Single(await a.ListCharactersAsync()).Name);
        Assert.Equal(cyrillic, Assert.Single(await b.ListCharactersAsync()).Name);
        await using var pa = await WorldPlayer.AttachAsync(a, aUser, latin, await a.EnterWorldAsync(aCharacter.ToString()));
        await using var pb = await WorldPlayer.AttachAsync(b, bUser, cyrillic, await b.EnterWorldAsync(bCharacter.ToString()));
        await using var speaker = await WorldPlayer.EnterAsync(cluster, "legs");
        await speaker.Client.WhisperAsync(latin, "to latin");
        await speaker.Client.WhisperAsync(cyrillic, "to cyrillic");
        await speaker.Client.WhisperAsync(ToFullWidth(latin), "to the first holder");
        await pa.WaitForAsync(p => p.Chat().Count(m => m.Channel == WireChannel.Whisper) >= 2, "the whispers to the Latin name");
        await pb.WaitForAsync(p => p.Chat().Any(m => m.Channel == WireChannel.Whisper), "the whisper to the Cyrillic name");
        Assert.Equal(["to latin", "to the first holder"], pa.Chat().Where(m => m.Channel == WireChannel.Whisper).Select(m => m.Text));
        Assert.Equal(["to cyrillic"], pb.Chat().Where(m => m.Channel == WireChannel.Whisper).Select(m => m.Text));
        Assert.NotEqual(aId, bId);

        async Task<(MmoClient Client, string Username, Guid AccountId, Guid CharacterId)> LegacyCharacterAsync(string prefix, string name)
        {
            var username = GameCluster.UniqueName(prefix);
            var client = await cluster.ConnectAsync();
            await client.RegisterAsync(username, Password);
            var accountId = Guid.Parse((await client.LoginAsync(username, Password)).AccountId);
            var characterId = Guid.Parse((await client.CreateCharacterAsync(name)).CharacterId);
            await grains.GetGrain<ICharacterNameGrain>(CharacterNames.Key(defaultWorld, name, defaultWorld)).Release(characterId);
            Assert.True(await grains.GetGrain<ICharacterNameGrain>(CharacterNames.LegacyKey(defaultWorld, name, defaultWorld))
                .ClaimForAccount(accountId, characterId, AccountKeys.ForUsername(username)));
            return (client, username, accountId, characterId);
        }
    }

    private static string Suffix() => Letters(Latin, 8);

    private static string Letters(string alphabet, int count = 4) =>
        string.Concat(Enumerable.Range(0, count).Select(_ => alphabet[Random.Shared.Next(alphabet.Length)]));

    private static string Han() => char.ConvertFromUtf32(Random.Shared.Next(0x4E00, 0x9FA6));

    private static string Hangul() => char.ConvertFromUtf32(Random.Shared.Next(0xAC00, 0xD7A4));

    private static string ToCyrillic(string latin) =>
        string.Concat(latin.Select(c => Latin.IndexOf(c, StringComparison.Ordinal) is var i and >= 0 ? Cyrillic[i] : c));

    private static string ToFullWidth(string latin) => string.Concat(latin.Select(c => (char)(c + 0xFEE0)));
}
