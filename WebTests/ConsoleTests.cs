using Microsoft.Playwright;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.WebTests;

/// <summary>A silo and a gateway with an admin operator key, for the operators' web console.</summary>
public sealed class ConsoleCluster : GameCluster
{
    public const string AdminKey = "console-tests-admin-key-0123";

    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
    [
        ("Admin:Keys:0:Name", "console-admin"),
        ("Admin:Keys:0:Key", AdminKey),
        ("Admin:Keys:0:Role", "Admin"),
    ];
}

/// <summary>The operators' console on the silo's admin port, in Debian's Chromium (headless, driven by Playwright).</summary>
[Trait("Category", "Tools")]
public class ConsoleTests(ConsoleCluster cluster) : IClassFixture<ConsoleCluster>
{
    /// <summary>Generous: on a loaded 2-core machine a page's calls and the bot's login can take seconds.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task AnOperatorLogsInWithAKeyFindsABotOnTheLiveMapKicksItAndSeesTheKickInTheAuditLog()
    {
        // The bot: a real client in the world, walking a little so the map has something to push.
        await using var bot = await cluster.ConnectAsync();
        var username = GameCluster.UniqueName("cbot");
        await bot.RegisterAsync(username, "correct horse battery");
        await bot.LoginAsync(username, "correct horse battery");
        var name = "Bot" + Guid.NewGuid().ToString("N")[..8];
        var character = await bot.CreateCharacterAsync(name);
        var entered = await bot.EnterWorldAsync(character.CharacterId);
        var world = character.WorldId;
        var zone = entered.Arrival.Zone.ZoneId;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            Headless = true,
            ExecutablePath = "/usr/bin/chromium",
            // No background DNS lookups: the machine has no network but loopback.
            Args = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 800 } });
        var timeout = (float)Wait.TotalMilliseconds;
        await page.GotoAsync($"http://127.0.0.1:{GameCluster.AdminPortOf(cluster.Silo)}/console/");

        // A wrong key is refused; the right one opens the console.
        await page.FillAsync("input[name=key]", "not-the-key-at-all-0123456789");
        await page.ClickAsync("#login button[type=submit]");
        await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("refused (401)", new() { Timeout = timeout });
        await page.FillAsync("input[name=key]", ConsoleCluster.AdminKey);
        await page.ClickAsync("#login button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync("key:console-admin (admin)", new() { Timeout = timeout });
        await Assertions.Expect(page.Locator($"#worlds tbody tr[data-world='{world}']")).ToHaveCountAsync(1, new() { Timeout = timeout });

        // The live map of the bot's zone, pushed by the silo: the bot's dot appears, and follows it when it moves.
        await page.ClickAsync("nav button[data-view=map]");
        await Assertions.Expect(page.Locator($"#map-pick select[name=zone] option[value='{zone}']")).ToHaveCountAsync(1, new() { Timeout = timeout });
        await page.SelectOptionAsync("#map-pick select[name=world]", world);
        await page.SelectOptionAsync("#map-pick select[name=zone]", zone);
        await page.ClickAsync("#map-pick button[type=submit]");
        var dot = page.Locator($"#map-view circle.player[data-name='{name}']");
        await Assertions.Expect(dot).ToHaveCountAsync(1, new() { Timeout = timeout });
        var target = entered.Arrival.Position;
        var moved = await bot.MoveAsync(target.X + 40, target.Y + 30);
        Assert.True(moved.Accepted);
        await Assertions.Expect(dot).ToHaveAttributeAsync("data-x", (target.X + 40).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = timeout });
        if (Environment.GetEnvironmentVariable("MMO_CONSOLE_SCREENSHOT") is { Length: > 0 } path)
        {
            // docs/operations-console-map.png is taken this way.
            await page.ScreenshotAsync(new() { Path = path });
        }

        // Its page from the map, then the kick.
        await dot.ClickAsync(new() { Timeout = timeout });
        await Assertions.Expect(page.Locator("#player-name")).ToContainTextAsync(name, new() { Timeout = timeout });
        await Assertions.Expect(page.Locator("#player-details")).ToContainTextAsync(username, new() { Timeout = timeout });
        await page.ClickAsync("#act-kick");
        await Assertions.Expect(page.Locator("#player-result")).ToContainTextAsync("done", new() { Timeout = timeout });
        var disconnected = await bot.Disconnected.WaitAsync(Wait);
        Assert.Equal(DisconnectReason.KickedByAdmin, disconnected.Reason);

        // The audit log shows who kicked whom.
        await page.ClickAsync("nav button[data-view=audit]");
        var row = page.Locator($"#audit tbody tr[data-action=kick][data-target='character:{world}/{name.ToLowerInvariant()}']");
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = timeout });
        await Assertions.Expect(row).ToContainTextAsync("key:console-admin");
        await Assertions.Expect(row).ToContainTextAsync("ok");

        // Creatures are on the map too: the test data's arena holds five training dummies.
        await page.ClickAsync("nav button[data-view=map]");
        await page.SelectOptionAsync("#map-pick select[name=world]", world);
        await page.SelectOptionAsync("#map-pick select[name=zone]", "arena");
        await page.ClickAsync("#map-pick button[type=submit]");
        await Assertions.Expect(page.Locator("#map-view circle.creature[data-name='Training Dummy']")).ToHaveCountAsync(5, new() { Timeout = timeout });
    }
}
