using OrleansMmo.Grains.World;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// The economy's count: gold and every item id over a set of characters, escrow included. An escrow entry
/// counts as its owner's own offer until the trade's recorded decision commits it, and as the partner's
/// offer after (what the owner will receive): docs/economy.md. Activating a character settles decided
/// escrow first, so a count after a restart normally finds none left.
/// </summary>
public sealed record Ledger(long Gold, IReadOnlyDictionary<string, long> Items, int EscrowEntries)
{
    public static async Task<Ledger> CountAsync(IGrainFactory grains, IEnumerable<Guid> characters)
    {
        long gold = 0;
        var items = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var escrow = 0;
        void Add(long g, IEnumerable<ItemStack> stacks)
        {
            gold += g;
            foreach (var stack in stacks)
            {
                items[stack.ItemId] = items.GetValueOrDefault(stack.ItemId) + stack.Count;
            }
        }

        foreach (var id in characters)
        {
            var holdings = await grains.GetGrain<IPlayerGrain>(id).GetHoldings();
            Add(holdings.Gold, holdings.Items);
            foreach (var entry in holdings.Escrow)
            {
                escrow++;
                var decision = await grains.GetGrain<ITradeGrain>(entry.TradeId).GetDecision(id);
                var counted = decision.Phase is TradePhase.Committed or TradePhase.Completed && decision.Receive is { } receive ? receive : entry.Offer;
                Add(counted.Gold, counted.Items);
            }
        }

        return new Ledger(gold, items, escrow);
    }

    /// <summary>"gold 200; bread 10; potion-small 6" — equal ledgers print equal.</summary>
    public override string ToString() => $"gold {Gold}; " + string.Join("; ", Items.Where(i => i.Value != 0).Select(i => $"{i.Key} {i.Value}"));

    public bool SameGoodsAs(Ledger other) => ToString() == other.ToString();
}
