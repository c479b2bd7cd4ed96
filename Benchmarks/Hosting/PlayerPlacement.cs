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

    /// <summary>
    /// A placement: <c>prefix:count</c> (scatter characters prefix000000 ... over every zone) or
    /// <c>prefix:count:zone:x:y:radius</c> (put them all in one zone, within radius of (x, y); radius 0: anywhere in it).
    /// </summary>
    public static string Spec(string prefix, int count, string? zone = null, float x = 0, float y = 0, float radius = 0) =>
        zone is null
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}:{count}")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}:{count}:{zone}:{x}:{y}:{radius}");

    public static async Task<int> PlaceAsync(IServiceProvider services, string spec, CancellationToken cancellationToken)
    {
        var parts = spec.Split(':');
        var prefix = parts[0];
        var count = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var onlyZone = parts.Length >= 6 ? parts[2] : null;
        var center = onlyZone is null ? default : new Position(Float(parts[3]), Float(parts[4]));
        var radius = onlyZone is null ? 0 : Float(parts[5]);
        var grains = services.GetRequiredService<IGrainFactory>();
        var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Game);
        var gameData = services.GetRequiredService<GameDataCatalog>();
        // Zones weighted by area, so density is even across the world.
        var zones = gameData.Zones.Values.Where(z => onlyZone is null || z.Id == onlyZone).OrderBy(z => z.Id, StringComparer.Ordinal).ToArray();
        var totalArea = zones.Sum(z => (double)z.Width * z.Height);
        var placed = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var name = Bots.BotSettings.UsernameOf(prefix, index);
            var characterId = await grains.GetGrain<ICharacterNameGrain>(CharacterNames.Key("", name, gameData.DefaultWorld)).GetCharacter();
            if (characterId == Guid.Empty)
            {
                // A seed made before names were keyed by skeleton holds its names under the old keys, and this silo's
                // name migration copies them in the background while placement runs: the old key still holds the name.
                characterId = await grains.GetGrain<ICharacterNameGrain>(CharacterNames.LegacyKey("", name, gameData.DefaultWorld)).GetCharacter();
            }

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

            var position = radius > 0 ? RandomPointNear(zone, center, radius, random) : RandomPointAwayFromPortals(zone, random);
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

    private static float Float(string value) => float.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

    private static Position RandomPointNear(ZoneDefinition zone, Position center, float radius, Random random)
    {
        var angle = random.NextDouble() * Math.Tau;
        var distance = radius * Math.Sqrt(random.NextDouble());
        return new Position(
            Math.Clamp((float)(center.X + distance * Math.Cos(angle)), 1, zone.Width - 1),
            Math.Clamp((float)(center.Y + distance * Math.Sin(angle)), 1, zone.Height - 1));
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
