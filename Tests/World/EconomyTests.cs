using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansMmo.Tests.World;

/// <summary>
/// Inventories and trades through real sockets, a real gateway and a real silo (the shared cluster), on
/// the test game data: characters start with 100 gold, 3 small potions (heal 50), 5 bread (no use) and a
/// wooden sword (bound); everyone arrives at the plains' spawn (1500, 1500), the hills' portal 100 m east.
/// </summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class EconomyTests(GameCluster cluster, ITestOutputHelper output)
{
    private IGrainFactory Grains => cluster.Silo.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task InventoryListsTheStartingGoodsAndUseAndDropChangeItWithClearRefusals()
    {
        await using var p = await WorldPlayer.EnterAsync(cluster, "inv");

        var inventory = await p.Client.GetInventoryAsync();
        Assert.Equal(100ul, inventory.Gold);
        Assert.Equal(200u, inventory.MaxStacks);
        Assert.Equal(3u, Count(inventory, "potion-small"));
        Assert.Equal(5u, Count(inventory, "bread"));

        // At full health a potion heals nothing, and is spent all the same.
        var used = await p.Client.UseItemAsync("potion-small");
        Assert.Equal((0u, 100u), (used.Healed, used.Health));
        Assert.Equal(2u, Count(used.Inventory, "potion-small"));

        await AssertFailsAsync(ErrorCode.ItemNotUsable, () => p.Client.UseItemAsync("bread"));
        await AssertFailsAsync(ErrorCode.ItemNotHeld, () => p.Client.UseItemAsync("ore-copper"));
        await AssertFailsAsync(ErrorCode.ItemInvalid, () => p.Client.UseItemAsync("no-such-item"));

        var dropped = await p.Client.DropItemAsync("bread", 2);
        Assert.Equal(3u, Count(dropped, "bread"));
        await AssertFailsAsync(ErrorCode.ItemNotHeld, () => p.Client.DropItemAsync("bread", 4));
        await AssertFailsAsync(ErrorCode.ItemInvalid, () => p.Client.DropItemAsync("bread", 0));
        await AssertFailsAsync(ErrorCode.ItemInvalid, () => p.Client.DropItemAsync("no-such-item", 1));

        // Nothing refused changed anything, and what succeeded is what the grain holds.
        var holdings = await Grains.GetGrain<OrleansMmo.Grains.World.IPlayerGrain>(Guid.Parse(p.Entered.Player.CharacterId)).GetHoldings();
        Assert.Equal(2, holdings.Items.Where(s => s.ItemId == "potion-small").Sum(s => s.Count));
        Assert.Equal(3, holdings.Items.Where(s => s.ItemId == "bread").Sum(s => s.Count));
        Assert.Equal(100, holdings.Gold);
    }

    [Fact]
    public async Task TwoPlayersTradeItemsAndGoldAndBothInventoriesChangeTogether()
    {
        await using var a = await WorldPlayer.EnterAsync(cluster, "tra");
        await using var b = await WorldPlayer.EnterAsync(cluster, "trb");
        var before = await CountAsync(a, b);

        var trade = await a.Client.RequestTradeAsync(b.Name);
        Assert.Equal(TradePhase.Invited, trade.Phase);
        var invited = await b.WaitForTradeAsync(trade.TradeId, TradePhase.Invited);
        Assert.Equal(a.Name, invited.Initiator.Name);
        Assert.Equal(TradePhase.Open, (await b.Client.AcceptTradeAsync(trade.TradeId)).Phase);
        await a.WaitForTradeAsync(trade.TradeId, TradePhase.Open);

        await a.Client.OfferTradeAsync(trade.TradeId, 30, [("potion-small", 2)]);
        await b.Client.OfferTradeAsync(trade.TradeId, 5, [("bread", 4)]);
        // Bound items never change hands; confirming before both lock is refused.
        await AssertFailsAsync(ErrorCode.ItemNotTradeable, () => b.Client.OfferTradeAsync(trade.TradeId, 0, [("sword-wooden", 1)]));
        await AssertFailsAsync(ErrorCode.TradeWrongState, () => a.Client.ConfirmTradeAsync(trade.TradeId));
        await a.Client.LockTradeAsync(trade.TradeId);
        await b.Client.LockTradeAsync(trade.TradeId);
        Assert.Equal(TradePhase.Open, (await a.Client.ConfirmTradeAsync(trade.TradeId)).Phase);
        var done = await b.Client.ConfirmTradeAsync(trade.TradeId);

        Assert.Equal(TradePhase.Completed, done.Phase);
        await a.WaitForTradeAsync(trade.TradeId, TradePhase.Completed);
        var ia = await a.Client.GetInventoryAsync();
        var ib = await b.Client.GetInventoryAsync();
        Assert.Equal((75ul, 1u, 9u), (ia.Gold, Count(ia, "potion-small"), Count(ia, "bread")));
        Assert.Equal((125ul, 5u, 1u), (ib.Gold, Count(ib, "potion-small"), Count(ib, "bread")));
        var after = await CountAsync(a, b);
        Assert.Equal(before.ToString(), after.ToString());
        Assert.Equal(0, after.EscrowEntries);
    }

    [Fact]
    public async Task TradingIsRefusedWhenFarApartOrAlreadyTradingAndANewOfferLiftsTheLocks()
    {
        await using var a = await WorldPlayer.EnterAsync(cluster, "tfa");
        await using var b = await WorldPlayer.EnterAsync(cluster, "tfb");
        await using var c = await WorldPlayer.EnterAsync(cluster, "tfc");

        await Await.Until(async () => (await b.MoveAsync(1500, 1530)).Accepted, "b 30 m away");
        await AssertFailsAsync(ErrorCode.TradeTooFar, () => a.Client.RequestTradeAsync(b.Name));
        await AssertFailsAsync(ErrorCode.PlayerNotFound, () => a.Client.RequestTradeAsync("nobody" + Guid.NewGuid().ToString("N")[..6]));

        var trade = await a.Client.RequestTradeAsync(c.Name);
        await AssertFailsAsync(ErrorCode.TradeBusy, () => a.Client.RequestTradeAsync(c.Name));
        await c.WaitForTradeAsync(trade.TradeId, TradePhase.Invited);
        await AssertFailsAsync(ErrorCode.TradeNotFound, () => a.Client.AcceptTradeAsync(trade.TradeId));
        await c.Client.AcceptTradeAsync(trade.TradeId);
        await a.Client.OfferTradeAsync(trade.TradeId, 10, []);
        await a.Client.LockTradeAsync(trade.TradeId);
        await AssertFailsAsync(ErrorCode.TradeWrongState, () => a.Client.OfferTradeAsync(trade.TradeId, 20, []));
        await AssertFailsAsync(ErrorCode.ItemNotHeld, async () =>
        {
            await c.Client.OfferTradeAsync(trade.TradeId, 0, [("ore-copper", 1)]);
            return await c.Client.LockTradeAsync(trade.TradeId);
        });
        await a.Client.LockTradeAsync(trade.TradeId);
        // A's lock was lifted by C's new offer: nobody confirms goods that changed under them.
        var view = await c.Client.OfferTradeAsync(trade.TradeId, 1, []);
        Assert.False(view.Initiator.Locked);
        Assert.False(view.Initiator.Confirmed);
        var cancelled = await c.Client.CancelTradeAsync(trade.TradeId);
        Assert.Equal((TradePhase.Cancelled, TradeEndReason.Cancelled), (cancelled.Phase, cancelled.Reason));
        await a.WaitForTradeAsync(trade.TradeId, TradePhase.Cancelled);
        // Free again.
        var next = await a.Client.RequestTradeAsync(c.Name);
        await a.Client.CancelTradeAsync(next.TradeId);
    }

    [Fact]
    public async Task LeavingTheZoneLoggingOutOrLoggingInAgainCancelsAnUnfinishedTradeAndNothingMoves()
    {
        foreach (var leave in new Func<WorldPlayer, Task>[]
        {
            p => p.MoveAsync(1610, 1500),                          // the portal to the hills
            p => p.Client.LeaveWorldAsync(),
            async p => await p.Client.DisposeAsync(),
        })
        {
            await using var a = await WorldPlayer.EnterAsync(cluster, "tza");
            await using var b = await WorldPlayer.EnterAsync(cluster, "tzb");
            var before = await CountAsync(a, b);
            var trade = await OpenTradeAsync(a, b);
            await a.Client.OfferTradeAsync(trade, 50, [("potion-small", 1)]);
            await a.Client.LockTradeAsync(trade);

            await leave(a);

            var ended = await b.WaitForTradeAsync(trade, TradePhase.Cancelled);
            Assert.Contains(ended.Reason, new[] { TradeEndReason.ZoneChanged, TradeEndReason.LoggedOut });
            await AssertFailsAsync(ErrorCode.TradeNotFound, () => b.Client.LockTradeAsync(trade));
            Assert.Equal(before.ToString(), (await CountAsync(a, b)).ToString());
        }
    }

    [Fact]
    public async Task AZoneChangeOrLogoutRacingTheLastConfirmationEndsWithBothInventoriesChangedOrNeither()
    {
        // Either trader leaves by the portal or logs out at the moment of the second confirmation: the confirmer's
        // leave is pipelined in the same write as its confirmation, the other's is sent at the same time from its
        // own connection. Whichever wins, the trade is exchanged whole or not at all, and no escrow is left.
        var leaves = new (string Name, Func<WorldPlayer, Task> Leave)[]
        {
            ("portal", p => p.MoveAsync(1610, 1500)),
            ("logout", p => p.Client.LeaveWorldAsync()),
        };
        var outcomes = new Dictionary<string, int>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var (how, leave) in leaves)
            {
                foreach (var confirmerLeaves in new[] { true, false })
                {
                    await using var a = await WorldPlayer.EnterAsync(cluster, "tra");
                    await using var b = await WorldPlayer.EnterAsync(cluster, "trb");
                    var (aId, bId) = (Guid.Parse(a.Entered.Player.CharacterId), Guid.Parse(b.Entered.Player.CharacterId));
                    var (aBefore, bBefore) = (await Ledger.CountAsync(Grains, [aId]), await Ledger.CountAsync(Grains, [bId]));
                    var trade = await OpenTradeAsync(a, b);
                    await a.Client.OfferTradeAsync(trade, 10, [("potion-small", 1)]);
                    await b.Client.OfferTradeAsync(trade, 0, [("bread", 2)]);
                    await a.Client.LockTradeAsync(trade);
                    await b.Client.LockTradeAsync(trade);
                    await a.Client.ConfirmTradeAsync(trade);

                    var confirm = b.Client.ConfirmTradeAsync(trade);
                    var left = leave(confirmerLeaves ? b : a);
                    string outcome;
                    try
                    {
                        var ended = await confirm;
                        outcome = ended.Phase == TradePhase.Completed ? "completed" : $"cancelled {ended.Reason}";
                    }
                    catch (MmoErrorException e) when (e.Code is ErrorCode.TradeNotFound or ErrorCode.TradeWrongState)
                    {
                        outcome = e.Code.ToString();
                    }

                    await left;
                    await Await.Until(async () => (await Ledger.CountAsync(Grains, [aId, bId])).EscrowEntries == 0,
                        $"no escrow left ({how}, {(confirmerLeaves ? "confirmer" : "first to confirm")} leaves, {outcome})");
                    var (aAfter, bAfter) = (await Ledger.CountAsync(Grains, [aId]), await Ledger.CountAsync(Grains, [bId]));
                    var what = $"{how}, {(confirmerLeaves ? "confirmer" : "first to confirm")} leaves, {outcome}: a {aBefore} -> {aAfter}, b {bBefore} -> {bAfter}";

                    // Per item id, nothing made or lost between the two.
                    Assert.True((await Ledger.CountAsync(Grains, [aId, bId])).SameGoodsAs(Sum(aBefore, bBefore)), what);
                    var unchanged = aAfter.SameGoodsAs(aBefore) && bAfter.SameGoodsAs(bBefore);
                    var exchanged = aAfter.SameGoodsAs(Move(aBefore, gold: -10, ("potion-small", -1), ("bread", 2)))
                        && bAfter.SameGoodsAs(Move(bBefore, gold: 10, ("potion-small", 1), ("bread", -2)));
                    Assert.True(unchanged || exchanged, what);
                    Assert.Equal(outcome == "completed", exchanged);
                    outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                }
            }
        }

        // Which side won each race depends on timing (a loaded machine); the outcomes are in the test's output.
        output.WriteLine("outcomes: " + string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
        Assert.Equal(20, outcomes.Values.Sum());
    }

    [Fact]
    public async Task ASecondLoginOfATraderCancelsItsTrade()
    {
        await using var a = await WorldPlayer.EnterAsync(cluster, "tla");
        await using var b = await WorldPlayer.EnterAsync(cluster, "tlb");
        var trade = await OpenTradeAsync(a, b);

        await using var again = await cluster.ConnectAsync();
        await again.LoginAsync(a.Username, WorldPlayer.Password);
        await again.EnterWorldAsync(a.Entered.Character.CharacterId);

        // The account takes the character from the first connection (LoggedOut), or the character sees a new session arrive (Replaced).
        var ended = await b.WaitForTradeAsync(trade, TradePhase.Cancelled);
        Assert.Contains(ended.Reason, new[] { TradeEndReason.Replaced, TradeEndReason.LoggedOut });
    }

    [Fact]
    public async Task TheSameItemsOfferedTwiceAtOnceChangeHandsOnceAtMost()
    {
        await using var seller = await WorldPlayer.EnterAsync(cluster, "tds");
        await using var b1 = await WorldPlayer.EnterAsync(cluster, "td1");
        await using var b2 = await WorldPlayer.EnterAsync(cluster, "td2");
        var before = await CountAsync(seller, b1, b2);

        // Offered, locked and confirmed, then spent before the partner's confirmation: the exchange finds them missing.
        var t1 = await OpenTradeAsync(seller, b1);
        await AssertFailsAsync(ErrorCode.TradeBusy, () => b2.Client.RequestTradeAsync(seller.Name));
        await seller.Client.OfferTradeAsync(t1, 100, [("potion-small", 3)]);
        await b1.Client.OfferTradeAsync(t1, 0, [("bread", 1)]);
        await seller.Client.LockTradeAsync(t1);
        await b1.Client.LockTradeAsync(t1);
        await seller.Client.ConfirmTradeAsync(t1);
        await seller.Client.UseItemAsync("potion-small");
        var ended = await b1.Client.ConfirmTradeAsync(t1);
        Assert.Equal((TradePhase.Cancelled, TradeEndReason.GoodsMissing), (ended.Phase, ended.Reason));
        var mid = await CountAsync(seller, b1, b2);
        Assert.Equal(before.Items["potion-small"] - 1, mid.Items["potion-small"]);
        Assert.Equal(0, mid.EscrowEntries);

        // Two buyers invite the seller at the same moment; every trade that opens offers the seller's last
        // 2 potions, and all are confirmed at once. However the invitations race, the potions change hands once.
        var opened = (await Task.WhenAll(new[] { b1, b2 }.Select(async buyer =>
        {
            try
            {
                var t = await buyer.Client.RequestTradeAsync(seller.Name);
                await seller.WaitForTradeAsync(t.TradeId, TradePhase.Invited);
                await seller.Client.AcceptTradeAsync(t.TradeId);
                return (Buyer: buyer, Trade: t.TradeId);
            }
            catch (MmoErrorException e) when (e.Code == ErrorCode.TradeBusy)
            {
                return (Buyer: buyer, Trade: (string?)null);
            }
        }))).Where(o => o.Trade is not null).ToList();
        Assert.NotEmpty(opened);
        foreach (var (buyer, t) in opened)
        {
            await seller.Client.OfferTradeAsync(t!, 0, [("potion-small", 2)]);
            await buyer.Client.OfferTradeAsync(t!, 10, []);
            await seller.Client.LockTradeAsync(t!);
            await buyer.Client.LockTradeAsync(t!);
            await seller.Client.ConfirmTradeAsync(t!);
        }

        var results = await Task.WhenAll(opened.Select(o => o.Buyer.Client.ConfirmTradeAsync(o.Trade!)));
        Assert.Equal(1, results.Count(r => r.Phase == TradePhase.Completed));
        var after = await CountAsync(seller, b1, b2);
        Assert.Equal(mid.ToString(), after.ToString());
        Assert.Equal(0, after.EscrowEntries);
        Assert.Equal(0u, Count(await seller.Client.GetInventoryAsync(), "potion-small"));
    }

    private static async Task<string> OpenTradeAsync(WorldPlayer from, WorldPlayer to) => (await OpenTradeAsync(from, to, expectBusy: false))!;

    private static async Task<string?> OpenTradeAsync(WorldPlayer from, WorldPlayer to, bool expectBusy)
    {
        if (expectBusy)
        {
            await AssertFailsAsync(ErrorCode.TradeBusy, () => from.Client.RequestTradeAsync(to.Name));
            return null;
        }

        var trade = await from.Client.RequestTradeAsync(to.Name);
        await to.WaitForTradeAsync(trade.TradeId, TradePhase.Invited);
        await to.Client.AcceptTradeAsync(trade.TradeId);
        return trade.TradeId;
    }

    private Task<Ledger> CountAsync(params WorldPlayer[] players) =>
        Ledger.CountAsync(Grains, players.Select(p => Guid.Parse(p.Entered.Player.CharacterId)));

    private static Ledger Sum(Ledger x, Ledger y) =>
        new(x.Gold + y.Gold, x.Items.Concat(y.Items).GroupBy(i => i.Key).ToDictionary(g => g.Key, g => g.Sum(i => i.Value)), 0);

    private static Ledger Move(Ledger x, long gold, params (string ItemId, long Count)[] items)
    {
        var counts = new SortedDictionary<string, long>(x.Items.ToDictionary(i => i.Key, i => i.Value), StringComparer.Ordinal);
        foreach (var (itemId, count) in items)
        {
            counts[itemId] = counts.GetValueOrDefault(itemId) + count;
        }

        return new Ledger(x.Gold + gold, counts, 0);
    }

    private static uint Count(Inventory inventory, string itemId) => inventory.Items.Where(i => i.ItemId == itemId).Aggregate(0u, (n, i) => n + i.Count);

    private static async Task AssertFailsAsync<T>(ErrorCode code, Func<Task<T>> call)
    {
        var error = await Assert.ThrowsAsync<MmoErrorException>(call);
        Assert.Equal(code, error.Code);
    }

    private static Task AssertFailsAsync(ErrorCode code, Func<Task> call) => AssertFailsAsync(code, async () =>
    {
        await call();
        return 0;
    });
}
