using Microsoft.Playwright;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.WebTests;

/// <summary>The browser client the gateway serves, in Debian's Chromium (headless, driven by Playwright).</summary>
[Collection(WebClusterCollection.Name)]
[Trait("Category", "Tools")]
[Trait("Needs", "Chromium")]
public class BrowserClientTests(GameCluster cluster)
{
    /// <summary>Generous: on a loaded 2-core machine a page's first login (password hashing) alone can take seconds.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task TwoBrowserPagesLogInOneWalksTheOtherSeesItMoveAndAChatLineArrives()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            Headless = true,
            ExecutablePath = TestTraits.ChromiumPath,
            // No background DNS lookups: the machine has no network but loopback.
            Args = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        });
        var site = $"http://127.0.0.1:{cluster.WebSocketUri().Port}/";
        var walker = await EnterAsync(browser, site, "walk");
        var watcher = await EnterAsync(browser, site, "watch");

        var seen = watcher.Page.Locator($"#entities li[data-name='{walker.Character}']");
        await Assertions.Expect(seen).ToHaveCountAsync(1, new() { Timeout = (float)Wait.TotalMilliseconds });
        var before = double.Parse(await seen.GetAttributeAsync("data-x") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

        // One tap of the left arrow is one step (8 m with the test world's speed), at once. Not a held key: at
        // 80 m/s a key let go a second late on a loaded machine is 80 m further, out of SAY range (60 m), and
        // eastward through the portal 100 m from the spawn. The canvas takes the focus first, as a player's click
        // would; the page ignores arrows typed into a text field.
        await walker.Page.ClickAsync("#world");
        await walker.Page.Keyboard.PressAsync("ArrowLeft");
        await watcher.Page.WaitForFunctionAsync(
            "([name, x]) => { const e = document.querySelector(`#entities li[data-name='${name}']`); return e && parseFloat(e.dataset.x) < x - 2; }",
            new object[] { walker.Character, before },
            new() { Timeout = (float)Wait.TotalMilliseconds });

        await walker.Page.FillAsync("#line", "hello from a browser");
        await walker.Page.PressAsync("#line", "Enter");
        await Assertions.Expect(watcher.Page.Locator("#chat li", new() { HasTextString = "hello from a browser" })).ToHaveCountAsync(1, new() { Timeout = (float)Wait.TotalMilliseconds });

        if (Environment.GetEnvironmentVariable("MMO_BROWSER_SCREENSHOT") is { Length: > 0 } path)
        {
            // docs/browser-client.png is taken this way.
            await watcher.Page.ScreenshotAsync(new() { Path = path });
        }
    }

    private static async Task<(IPage Page, string Character)> EnterAsync(IBrowser browser, string site, string prefix)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1000, Height = 560 } });
        await page.GotoAsync(site);
        var character = prefix + Guid.NewGuid().ToString("N")[..8];
        await page.FillAsync("input[name=username]", GameCluster.UniqueName(prefix));
        await page.FillAsync("input[name=password]", "correct horse battery");
        await page.FillAsync("input[name=character]", character);
        await page.CheckAsync("input[name=register]");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#game")).ToBeVisibleAsync(new() { Timeout = (float)Wait.TotalMilliseconds });
        return (page, character);
    }
}
