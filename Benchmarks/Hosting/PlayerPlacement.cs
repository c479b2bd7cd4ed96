using OrleansMmo.Grains;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.World;
using Orleans.Storage;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// Fixture-only, run inside the seed command's silo: gives the seed's characters a stored world position
/// scattered over every zone, as if they had played before. New characters all appear on one spawn point;
/// thousands standing on one spot make every zone tick look at every pair of them, which is the clumped case
/// of the fan-out benchmark, not what holding connections should measure. Writes the Player grain's own
/// stored state through the silo's grain storage, exactly as the grain would, before any activation exists.
/// </summary>
public static class PlayerPlacement
{
    public const string Setting = "--bench-place-players=";
    public const string DoneLine = "PLACED ";

    /// <summary><paramref name="spec"/> is <c>prefix:count</c>: characters named prefix000000 ... in the seed.</summary>
    public static async Task<int> PlaceAsync(IServiceProvider services, string spec, CancellationToken cancellationToken)
    {
        var parts = spec.Split(':');
        var prefix = parts[0];
        var count = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var grains = services.GetRequiredService<IGrainFactory>();
        var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Game);
        var gameData = services.GetRequiredService<GameDataCatalog>();
        // Zones weighted by area, so density is even across the world.
        var zones = gameData.Zones.Values.OrderBy(z => z.Id, StringComparer.Ordinal).ToArray();
        var totalArea = zones.Sum(z => (double)z.Width * z.Height);
        var placed = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var name = Bots.BotSettings.UsernameOf(prefix, index);
            var characterId = await grains.GetGrain<ICharacterNameGrain>(AccountKeys.ForCharacterName(name)).GetCharacter();
            if (characterId == Guid.Empty)
            {
                return;
            }

            var random = new Random(index);
            var pick = random.NextDouble() * totalArea;
            var zone = zones[^1];
            foreach (var candidate in zones)
            {
                pick -= (double)candidate.Width * candidate.Height;
                if (pick <= 0)
                {
                    zone = candidate;
                    break;
                }
            }

            var position = RandomPointAwayFromPortals(zone, random);
            var grainId = GrainId.Create(GrainType.Create("player"), GrainIdKeyExtensions.CreateGuidKey(characterId));
            var state = new GrainState<PlayerState>(new PlayerState());
            await storage.ReadStateAsync("player", grainId, state);
            // A missing row reads as a default state (or none at all, depending on the provider).
            state.State ??= new PlayerState();
            state.State.Name = string.IsNullOrEmpty(state.State.Name) ? name : state.State.Name;
            state.State.Level = Math.Max(1, state.State.Level);
            if (string.IsNullOrEmpty(state.State.ZoneId))
            {
                state.State.CreatedAt = DateTimeOffset.UtcNow;
                state.State.Gold = gameData.StartingGold;
                state.State.Inventory = [.. gameData.StartingItems];
            }

            state.State.ZoneId = zone.Id;
            state.State.Position = position;
            await storage.WriteStateAsync("player", grainId, state);
            Interlocked.Increment(ref placed);
        });
        return placed;
    }

    private static Position RandomPointAwayFromPortals(ZoneDefinition zone, Random random)
    {
        while (true)
        {
            var point = new Position((float)(2 + random.NextDouble() * (zone.Width - 4)), (float)(2 + random.NextDouble() * (zone.Height - 4)));
            if (!zone.Portals.Any(p => point.X >= p.Min.X - 5 && point.X <= p.Max.X + 5 && point.Y >= p.Min.Y - 5 && point.Y <= p.Max.Y + 5))
            {
                return point;
            }
        }
    }
}
