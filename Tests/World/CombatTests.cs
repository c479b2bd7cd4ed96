using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansMmo.Client;
using OrleansMmo.Grains.World;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;
using AttackRefusal = OrleansMmo.Protocol.Messages.AttackRefusal;
using MoveRejection = OrleansMmo.Protocol.Messages.MoveRejection;

namespace OrleansMmo.Tests.World;

/// <summary>
/// A cluster of its own for the fights: its creatures are not disturbed by other tests. No portal cooldown: the
/// players walk through two portals in a row to reach the arena (docs/security.md, portal ping-pong).
/// </summary>
public sealed class CombatCluster : GameCluster
{
    protected override IEnumerable<(string Key, string Value)> SiloSettings => [("World:PortalCooldown", "00:00:00")];
}

/// <summary>
/// Creatures and combat through real sockets, real gateways and a real silo, on the test game data:
/// the arena (reached from the hills) with PvP, graveyard (300, 300), dummies at (560, 500) and
/// (500, 420), a wolf at (500, 580) and a brute at (420, 500); players arrive at (500, 500).
/// </summary>
[Trait("Category", "Cluster")]
public sealed class CombatTests(CombatCluster cluster) : IClassFixture<CombatCluster>
{
    [Fact]
    public async Task CreaturesStandWhereTheDataPutsThemAndAppearAsCreaturesWithTheirHealth()
    {
        await using var p = await EnterArenaAsync("look");

        await p.WaitForAsync(x => x.Snapshot(v => v.Entities.Values.Count(e => e.TemplateId == "dummy")) >= 1, "a dummy in view");
        var dummy = p.Snapshot(v => v.Entities.Values.First(e => e.TemplateId == "dummy"));
        Assert.Equal(EntityKind.Creature, dummy.Kind);
        Assert.Equal("Training Dummy", dummy.Name);
        Assert.Equal(1u, dummy.Level);
        Assert.InRange(dummy.X, 556, 564);
        Assert.InRange(dummy.Y, 496, 504);
        Assert.Equal(100u, dummy.HealthPercent);
        // The player's own first update tells it its health, in numbers.
        await p.WaitForAsync(x => x.Snapshot(v => v.Self) is { MaxHealth: 100, Health: 100, Level: 1 }, "its own status");
    }

    [Fact]
    public async Task KillingACreatureGivesExperienceLootAndALevelWrittenThroughAndItRisesAgain()
    {
        using var levelUps = new CounterListener(WorldMetrics.MeterName, "mmo.world.level_ups");
        await using var p = await EnterArenaAsync("kill");
        var before = await p.Client.GetPlayerAsync();
        await WalkAsync(p, 557, 500);
        var dummy = await NearestAsync(p, "dummy", 557, 500);

        AttackResponse last = null!;
        for (var hits = 0; hits < 3;)
        {
            last = await p.Client.AttackAsync(dummy.EntityId);
            if (last.Refusal == AttackRefusal.Cooldown)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(last.RetryAfterMs));
                continue;
            }

            Assert.True(last.Hit, $"refused: {last.Refusal}");
            Assert.Equal(10u, last.Damage);
            hits++;
        }

        Assert.True(last.Killed);
        Assert.Equal(100ul, last.ExperienceGained);
        Assert.True(last.LeveledUp);
        Assert.Equal(2u, last.Level);
        Assert.Equal(5ul, last.Loot.Gold);
        Assert.Contains(last.Loot.Items, i => i.ItemId == "ore-copper" && i.Count == 2);

        var after = await p.Client.GetPlayerAsync();
        Assert.Equal((2u, 100ul, before.Gold + 5), (after.Level, after.Experience, after.Gold));
        Assert.Equal(2u, after.Inventory.Where(i => i.ItemId == "ore-copper").Aggregate(0u, (n, i) => n + i.Count));
        Assert.True(levelUps.Total >= 1);
        // Written through: the stored state has the level before anything else is written.
        Assert.Equal(2, await StoredLevelAsync(after.CharacterId));
        // The new level brings full health at the new maximum.
        await p.WaitForAsync(x => x.Snapshot(v => v.Self) is { Level: 2, MaxHealth: 150, Health: 150 }, "the level-up in its own status");

        // The dummy lies dead, then goes, and a new one (a new entity) rises at its home after 2 s.
        await p.WaitForAsync(x => x.Snapshot(v => v.Entities.GetValueOrDefault(dummy.EntityId)) is null or { Dead: true }, "the dummy dead");
        await p.WaitForAsync(x => x.Snapshot(v => v.Entities.Values.Count(e => e.TemplateId == "dummy" && !e.Dead)) == 3
            && x.Snapshot(v => !v.Entities.ContainsKey(dummy.EntityId)), "three living dummies again, the dead one gone");
    }

    [Fact]
    public async Task ACreatureAggroesChasesStrikesAndGivesUpFarFromHomeWithFullHealth()
    {
        await using var watcher = await EnterArenaAsync("wwat");
        await WalkAsync(watcher, 525, 600);  // 32 m from the wolf: sees it, beyond its 15 m
        var wolf = await NearestAsync(watcher, "wolf", 525, 600);
        await using var bait = await EnterArenaAsync("bait");

        await WalkAsync(bait, 500, 590);     // 10 m from the wolf
        await bait.WaitForAsync(x => x.Snapshot(v => v.Self) is { Health: < 100 }, "the wolf's bite");
        Assert.Contains(bait.Snapshot(v => v.Combat.ToList()), h => h.AttackerId == wolf.EntityId && h.TargetId == bait.Snapshot(v => v.SelfId));
        var hit = await AttackWhenReadyAsync(bait, wolf.EntityId);
        Assert.True(hit.Hit, $"refused: {hit.Refusal}");
        await watcher.WaitToSeeAsync(wolf.Name, e => e.HealthPercent == 99);

        // Run: the wolf follows until it is 30 m from home, then walks back healed.
        await WalkAsync(bait, 500, 650);
        await watcher.WaitToSeeAsync(wolf.Name, e => e.Y > 600);
        await watcher.WaitToSeeAsync(wolf.Name, e => e.HealthPercent == 100);
        await watcher.WaitToSeeAsync(wolf.Name, e => Math.Abs(e.X - 500) < 0.5f && Math.Abs(e.Y - 580) < 0.5f);
    }

    [Fact]
    public async Task AttacksTheServerCannotConfirmAreRefusedCountedAndDoNoHarm()
    {
        using var corrections = new CounterListener(WorldMetrics.MeterName, "mmo.world.corrections");
        await using var seer = await EnterArenaAsync("seer");
        await WalkAsync(seer, 470, 500);     // sees the brute, 50 m away, beyond its 10 m
        var brute = await NearestAsync(seer, "brute", 470, 500, within: 60);
        await using var p = await EnterArenaAsync("claim");
        await WalkAsync(p, 520, 420);
        var dummy = await NearestAsync(p, "dummy", 520, 420);

        Assert.Equal(AttackRefusal.TargetNotFound, (await p.Client.AttackAsync(4_000_000)).Refusal);
        Assert.Equal(AttackRefusal.TargetNotVisible, (await p.Client.AttackAsync(brute.EntityId)).Refusal);
        Assert.Equal(AttackRefusal.TargetNotAttackable, (await p.Client.AttackAsync(p.Snapshot(v => v.SelfId))).Refusal);
        // Another test of the arena may have drawn this dummy off: walking home it is not attackable (seen once).
        var farAttack = AttackRefusal.TargetNotAttackable;
        await Await.Until(async () => (farAttack = (await p.Client.AttackAsync(dummy.EntityId)).Refusal) != AttackRefusal.TargetNotAttackable,
            "the dummy back at home, attackable", TimeSpan.FromSeconds(30));
        Assert.Equal(AttackRefusal.OutOfRange, farAttack);
        var standing = p.Snapshot(v => v.Entities[dummy.EntityId]);
        await WalkAsync(p, standing.X, standing.Y + 3);
        var landed = await AttackWhenReadyAsync(p, dummy.EntityId);
        Assert.True(landed.Hit, $"refused: {landed.Refusal}");
        var tooSoon = await p.Client.AttackAsync(dummy.EntityId);
        Assert.Equal(AttackRefusal.Cooldown, tooSoon.Refusal);
        Assert.InRange(tooSoon.RetryAfterMs, 1u, 250u);
        Assert.False(tooSoon.Hit);
        Assert.Equal(0u, tooSoon.Damage);

        Assert.True(corrections.Total >= 5, $"corrections counted: {corrections.Total}");
        // Only the one hit landed; the brute is untouched.
        await WaitForEntityAsync(p, dummy.EntityId, e => e.HealthPercent == landed.TargetHealthPercent, "the dummy's health after one hit");
        Assert.Equal(100u, seer.Snapshot(v => v.Entities[brute.EntityId].HealthPercent));
    }

    [Fact]
    public async Task ACreatureFoughtBySomeoneOnOneGatewayIsSeenFightingBySomeoneOnAnother()
    {
        var second = await cluster.StartGatewayAsync();
        try
        {
            await using var fighter = await EnterArenaAsync("fgt");
            await using var onlooker = await EnterArenaAsync("onl", GameCluster.GamePortOf(second));
            await WalkAsync(onlooker, 520, 430);
            await WalkAsync(fighter, 500, 424);
            var dummy = await NearestAsync(fighter, "dummy", 500, 424);
            await WaitForEntityAsync(onlooker, dummy.EntityId, _ => true,
                "the dummy at the onlooker");
            await onlooker.WaitToSeeAsync(fighter.Name);

            var hit = await AttackWhenReadyAsync(fighter, dummy.EntityId);
            Assert.True(hit.Hit, $"refused: {hit.Refusal}");

            var fighterId = fighter.Snapshot(v => v.SelfId);
            foreach (var player in new[] { fighter, onlooker })
            {
                await player.WaitForAsync(x => x.Snapshot(v => v.Combat.Any(h => h.AttackerId == fighterId && h.TargetId == dummy.EntityId && h.Damage == hit.Damage)),
                    $"the hit at {player.Name}");
                await WaitForEntityAsync(player, dummy.EntityId, e => e.HealthPercent == hit.TargetHealthPercent, $"the dummy's health at {player.Name}");
            }
        }
        finally
        {
            await cluster.StopGatewayAsync(second);
        }
    }

    [Fact]
    public async Task ADeadPlayerCannotMoveOrAttackAndRisesAtTheGraveyard()
    {
        await using var p = await EnterArenaAsync("dead");
        await WalkAsync(p, 428, 500);        // 8 m from the brute, which kills a level-1 player in two blows
        await p.WaitForAsync(x => x.Snapshot(v => v.Self) is { Dead: true, Health: 0 }, "death");
        var brute = await NearestAsync(p, "brute", 428, 500);

        var move = await p.MoveAsync(440, 500);
        Assert.False(move.Accepted);
        Assert.Equal(MoveRejection.Dead, move.Rejection);
        Assert.Equal(AttackRefusal.AttackerDead, (await p.Client.AttackAsync(brute.EntityId)).Refusal);

        var risen = await p.Client.RespawnAsync();
        Assert.True(risen.Respawned);
        Assert.Equal((300f, 300f, 100u), (risen.Position.X, risen.Position.Y, risen.Health));
        Assert.False((await p.Client.RespawnAsync()).Respawned);
        await p.WaitForAsync(x => x.Snapshot(v => v.Self) is { Dead: false, Health: 100 }, "life");
        Assert.True((await p.MoveAsync(310, 300)).Accepted);
        var info = await p.Client.GetPlayerAsync();
        Assert.Equal(310f, info.Position.X);
    }

    [Fact]
    public async Task PlayersFightEachOtherOnlyWhereTheZoneAllowsIt()
    {
        await using var a = await WorldPlayer.EnterAsync(cluster, "pva");
        await using var b = await WorldPlayer.EnterAsync(cluster, "pvb");
        await a.WaitToSeeAsync(b.Name);
        var inPlains = await a.Client.AttackAsync(a.Snapshot(v => v.FindByName(b.Name)!.EntityId));
        Assert.Equal(AttackRefusal.TargetNotAttackable, inPlains.Refusal);

        await GoToArenaAsync(a);
        await GoToArenaAsync(b);
        await WalkAsync(a, 500, 470);
        await WalkAsync(b, 502, 470);
        await a.WaitToSeeAsync(b.Name);
        var hit = await AttackWhenReadyAsync(a, a.Snapshot(v => v.FindByName(b.Name)!.EntityId));
        Assert.True(hit.Hit, $"refused: {hit.Refusal}");
        await b.WaitForAsync(x => x.Snapshot(v => v.Self) is { Health: 90 }, "the blow");
    }

    [Fact]
    public async Task APotionHealsByTheAmountInTheGameDataAndIsSpentWrittenThrough()
    {
        await using var p = await EnterArenaAsync("heal");
        await WalkAsync(p, 500, 590);     // 10 m from the wolf, which bites for 1 every 0.3 s
        await p.WaitForAsync(x => x.Snapshot(v => v.Self) is { Health: < 100 }, "the wolf's bite");

        var used = await p.Client.UseItemAsync("potion-small");

        // The small potion heals up to 50 (items.json): far more than a few bites took, so it fills health to the top.
        Assert.InRange(used.Healed, 1u, 50u);
        Assert.Equal(100u, used.Health);
        Assert.Equal(2u, used.Inventory.Items.Where(i => i.ItemId == "potion-small").Aggregate(0u, (n, i) => n + i.Count));
        Assert.Equal(2, await StoredCountAsync(used.ItemId, p.Entered.Player.CharacterId));
    }

    private async Task<WorldPlayer> EnterArenaAsync(string prefix, int? port = null)
    {
        var p = await WorldPlayer.EnterAsync(cluster, prefix, port);
        await GoToArenaAsync(p);
        return p;
    }

    /// <summary>Plains, through the portal to the hills, through the hills' portal to the arena's (500, 500).</summary>
    internal static async Task GoToArenaAsync(WorldPlayer p)
    {
        Assert.Equal("hills", (await p.MoveAsync(1610, 1500)).ZoneChanged.Zone.ZoneId);
        Assert.Equal("arena", (await p.MoveAsync(105, 195)).ZoneChanged.Zone.ZoneId);
    }

    /// <summary>Moves there, waiting for the movement budget to allow it when a long walk outruns it.</summary>
    internal static Task WalkAsync(WorldPlayer p, float x, float y) =>
        Await.Until(async () => (await p.MoveAsync(x, y)).Accepted, $"{p.Name} to reach ({x}, {y})", interval: TimeSpan.FromMilliseconds(100));

    /// <summary>
    /// The living creature of <paramref name="template"/> nearest to (<paramref name="x"/>, <paramref name="y"/>), once the
    /// client's view has one within <paramref name="within"/> metres of it (a view just after a walk may still show the old place).
    /// </summary>
    internal static async Task<WorldView.Entity> NearestAsync(WorldPlayer p, string template, float x, float y, float within = 40)
    {
        WorldView.Entity? Find(WorldView v) => v.Entities.Values
            .Where(e => e.TemplateId == template && !e.Dead && ((e.X - x) * (e.X - x)) + ((e.Y - y) * (e.Y - y)) <= within * within)
            .MinBy(e => ((e.X - x) * (e.X - x)) + ((e.Y - y) * (e.Y - y)));
        await p.WaitForAsync(c => c.Snapshot(Find) is not null, $"a {template} near ({x}, {y})");
        return p.Snapshot(Find)!;
    }

    /// <summary>Waits until the entity with that id is in view and matches (creatures of one template share a name).</summary>
    private static Task WaitForEntityAsync(WorldPlayer p, uint entityId, Func<WorldView.Entity, bool> where, string what) =>
        p.WaitForAsync(x => x.Snapshot(v => v.Entities.GetValueOrDefault(entityId)) is { } e && where(e), what);

    /// <summary>Attacks, waiting out a cooldown if the last attack was too recent.</summary>
    internal static async Task<AttackResponse> AttackWhenReadyAsync(WorldPlayer p, uint target)
    {
        var response = await p.Client.AttackAsync(target);
        if (response.Refusal == AttackRefusal.Cooldown)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(response.RetryAfterMs));
            response = await p.Client.AttackAsync(target);
        }

        return response;
    }

    private async Task<int> StoredCountAsync(string itemId, string characterId) =>
        (await StoredStateAsync(characterId)).Inventory.Where(i => i.ItemId == itemId).Sum(i => i.Count);

    private async Task<PlayerState> StoredStateAsync(string characterId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(cluster.DataDirectory, "game.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT PayloadBinary FROM GrainState WHERE StateName = 'player' AND GrainId LIKE $id";
        command.Parameters.AddWithValue("$id", "%" + Guid.Parse(characterId).ToString("N") + "%");
        var payload = (byte[]?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("no stored state for the character");
        return cluster.Silo.Services.GetRequiredService<Serializer>().Deserialize<PlayerState>(payload)!;
    }

    private async Task<int> StoredLevelAsync(string characterId)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(cluster.DataDirectory, "game.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT PayloadBinary FROM GrainState WHERE StateName = 'player' AND GrainId LIKE $id";
        command.Parameters.AddWithValue("$id", "%" + Guid.Parse(characterId).ToString("N") + "%");
        var payload = (byte[]?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("no stored state for the character");
        var serializer = cluster.Silo.Services.GetRequiredService<Serializer>();
        return serializer.Deserialize<PlayerState>(payload)!.Level;
    }
}
