using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Bots.Metrics;
using OrleansMmo.Bots.Raw;
using OrleansMmo.Grains.World;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Benchmarks;

/// <summary>
/// A cluster of its own: the zone's count of entity updates sent is compared with what this test's clients
/// received, so nobody else may play in it. Tickets live long enough to be resumed after the accounts are made.
/// </summary>
public sealed class RawDriverCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings => [("Tickets:Lifetime", "00:05:00")];
}

/// <summary>The fan-out benchmark's raw driver against a real gateway and silo.</summary>
[Trait("Category", "Cluster")]
public sealed class RawDriverTests(RawDriverCluster cluster) : IClassFixture<RawDriverCluster>
{
    private const int Players = 6;

    [Fact]
    public async Task RawPlayersMoveLegallyAndCountEveryEntityUpdateTheZoneSentThem()
    {
        // Everything the zone sends, summed over recipients (entered + moved + left), from this cluster's silo only.
        using var sent = new CounterListener(WorldMetrics.MeterName, "mmo.zone.entity_updates", cluster.Silo.Services.GetRequiredService<IMeterFactory>());

        // An SDK client at the spawn point decodes every update in full; the raw players appear beside it.
        await using var observer = await WorldPlayer.EnterAsync(cluster, "obs");
        await using var driver = new RawDriver(new RawDriverOptions { MoveRate = 10, RoamRadius = 8 }, Players);
        for (var slot = 0; slot < Players; slot++)
        {
            var (client, _, _) = await cluster.LoggedInClientAsync("raw");
            await client.CreateCharacterAsync($"raw{Guid.NewGuid().ToString("N")[..10]}");
            var ticket = client.CurrentTicket!.Token;
            await client.DisposeAsync();
            await driver.EnterAsync(slot, new DnsEndPoint("127.0.0.1", cluster.GamePort), ticket);
        }

        Assert.Equal(Players, driver.InWorld);
        driver.StartMoving();
        // About a second of walking each: 10 moves a player.
        await Await.Until(() => Task.FromResult(driver.Metrics.Get(Counter.Moves) >= Players * 10), "the raw players' moves answered");
        driver.StopMoving();

        // Nothing else moves in this world (no creatures on the plains): once the last move is answered and its tick
        // delivered, the zone's count and the clients' counts stop and must agree.
        long Received() => driver.Metrics.Get(Counter.EntityUpdates) + driver.Metrics.Get(Counter.EntitiesLeft) + observer.EntityEntriesReceived;
        await Await.Until(
            () => Task.FromResult(driver.InFlight == 0 && sent.Total == Received()),
            "the entity updates the zone sent to equal those the raw players and the observer counted");
        Assert.Equal(sent.Total, Received());

        var movesSent = driver.Metrics.Get(Counter.MovesSent);
        var errors = string.Join(", ", driver.Metrics.Snapshot().Errors.Select(e => $"{e.Key}={e.Value}"));
        Assert.True(movesSent >= Players * 10, $"{movesSent} moves sent");
        Assert.True(driver.Metrics.Get(Counter.Moves) == movesSent, $"{driver.Metrics.Get(Counter.Moves)} of {movesSent} moves answered; errors: {errors}");
        Assert.True(driver.Metrics.Get(Counter.MoveCorrections) == 0 && driver.Metrics.Get(Counter.MovesRefused) == 0, $"moves corrected or refused: {errors}");
        // The raw players saw each other walk, and the observer saw them: the counts are of real traffic.
        Assert.True(driver.Metrics.Get(Counter.EntityUpdates) >= Players * 10, $"{driver.Metrics.Get(Counter.EntityUpdates)} entity updates counted by the raw players");
        Assert.True(observer.EntityEntriesReceived >= Players * 5, $"{observer.EntityEntriesReceived} entity updates seen by the observer");
        Assert.Equal(Players, driver.InWorld);
    }
}
