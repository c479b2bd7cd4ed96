using OrleansMmo.Client;
using OrleansMmo.Grains;
using OrleansMmo.Grains.World;
using OrleansMmo.Tests.Infrastructure;
using WireChannel = OrleansMmo.Protocol.Messages.ChatChannel;

namespace OrleansMmo.Tests.Security;

/// <summary>
/// WORLD chat open only to characters old enough (and of a level: see <see cref="WorldChatGateRuleTests"/>), so
/// freshly made accounts cannot flood every player (docs/security.md, "World-chat floods", item 14).
/// </summary>
[Collection(YoungCharacterCollection.Name)]
[Trait("Category", "Cluster")]
public class WorldChatGateTests(YoungCharacterCluster cluster)
{
    [Fact]
    public async Task AFreshCharacterIsRefusedOnWorldUntilItIsOldEnoughAndMaySpeakElsewhere()
    {
        await using var listener = await WorldPlayer.EnterAsync(cluster, "glis");
        await using var fresh = await WorldPlayer.EnterAsync(cluster, "gnew");

        var early = "too early " + Guid.NewGuid().ToString("N")[..8];
        var refused = await Assert.ThrowsAsync<MmoErrorException>(() => fresh.Client.ChatAsync(WireChannel.World, early));
        Assert.Equal(ErrorCode.ChatChannelLocked, refused.Code);
        // until_ms says when the character is old enough: its creation + the minimum age, in the near future.
        var openAt = DateTimeOffset.FromUnixTimeMilliseconds(refused.UntilMs);
        Assert.InRange(openAt, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + YoungCharacterCluster.MinAge + TimeSpan.FromSeconds(1));

        // Nearby chat is not gated.
        await fresh.Client.ChatAsync(WireChannel.Say, "hello");

        // Once the age is reached, WORLD carries its lines; the refused one never went out.
        var later = "on time " + Guid.NewGuid().ToString("N")[..8];
        await Await.Until(async () =>
        {
            try
            {
                await fresh.Client.ChatAsync(WireChannel.World, later);
                return true;
            }
            catch (MmoErrorException ex) when (ex.Code is ErrorCode.ChatChannelLocked or ErrorCode.ChatRateLimited)
            {
                return false;
            }
        }, "the character to be old enough for WORLD", YoungCharacterCluster.MinAge + TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));
        Assert.True(DateTimeOffset.UtcNow >= openAt, "WORLD opened before the time the refusal named");
        await listener.WaitForAsync(p => p.Chat().Any(c => c.Text == later), "the line said once the character was old enough");
        Assert.DoesNotContain(listener.Chat(), c => c.Text == early);
    }
}

/// <summary>The rule itself, level and age, against <see cref="WorldOptions"/>.</summary>
[Trait("Category", "Unit")]
public class WorldChatGateRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ByDefaultEveryoneMaySpeak() =>
        Assert.Null(WorldChatGate.Refusal(level: 1, createdAt: Now, now: Now, new WorldOptions()));

    [Fact]
    public void BelowTheMinimumLevelTheChannelIsLockedWithNoTime()
    {
        var options = new WorldOptions { WorldChatMinLevel = 5 };
        var refusal = WorldChatGate.Refusal(level: 4, createdAt: Now.AddDays(-30), now: Now, options);
        Assert.Equal(GameError.ChatChannelLocked, refusal?.Error);
        Assert.Null(refusal?.Until);
        Assert.Null(WorldChatGate.Refusal(level: 5, createdAt: Now.AddDays(-30), now: Now, options));
    }

    [Fact]
    public void AYoungCharacterIsToldWhenItMaySpeak()
    {
        var options = new WorldOptions { WorldChatMinCharacterAge = TimeSpan.FromHours(1) };
        var refusal = WorldChatGate.Refusal(level: 1, createdAt: Now.AddMinutes(-10), now: Now, options);
        Assert.Equal(GameError.ChatChannelLocked, refusal?.Error);
        Assert.Equal(Now.AddMinutes(50), refusal?.Until);
        Assert.Null(WorldChatGate.Refusal(level: 1, createdAt: Now.AddHours(-1), now: Now, options));
    }
}

/// <summary>A cluster whose WORLD channel opens to a character 3 s after it was made.</summary>
public sealed class YoungCharacterCluster : GameCluster
{
    public static readonly TimeSpan MinAge = TimeSpan.FromSeconds(3);

    protected override IEnumerable<(string Key, string Value)> SiloSettings => [("World:WorldChatMinCharacterAge", MinAge.ToString())];
}

[CollectionDefinition(Name)]
public sealed class YoungCharacterCollection : ICollectionFixture<YoungCharacterCluster>
{
    public const string Name = "young characters";
}
