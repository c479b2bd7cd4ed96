using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.World;

/// <summary>Zones, area of interest, delivery and chat limits. Section <c>World</c>.</summary>
public sealed class WorldOptions
{
    public const string Section = "World";

    /// <summary>Directory of zones.json, movement.json and items.json; relative paths are resolved against the silo's directory.</summary>
    [Required] public string GameDataPath { get; set; } = "GameData";

    /// <summary>How often a zone sends each player what changed in its view (10 Hz).</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Players see entities within this distance (metres), inclusive.</summary>
    [Range(1, 10_000)] public float ViewRadius { get; set; } = 60;

    /// <summary>Side of an interest-grid cell (metres). About the view radius keeps a query to 3x3 cells.</summary>
    [Range(1, 10_000)] public float CellSize { get; set; } = 60;

    /// <summary>
    /// Most entities one player is told about at once. Bounds the update size and the zone's work when
    /// a crowd clumps in one place; entities already in view keep their place.
    /// </summary>
    [Range(1, 10_000)] public int MaxVisibleEntities { get; set; } = 100;

    /// <summary>How long a zone waits for a gateway to take a delivery before counting it as failed.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed deliveries after which a zone drops a gateway and the players on it.</summary>
    [Range(1, 1000)] public int MaxDeliveryFailures { get; set; } = 3;

    /// <summary>Deliveries to one gateway a zone lets be unanswered at once; beyond it a tick's frames for that gateway are dropped (and counted).</summary>
    [Range(1, 1000)] public int MaxPendingDeliveries { get; set; } = 4;

    /// <summary>
    /// How far (metres) a move may overdraw the character's movement budget, so clients' rounding is
    /// never punished. An overdraft paid back from the refill, not a grant per move: tiny moves gain nothing.
    /// </summary>
    [Range(0, 10)] public float MoveSlackMetres { get; set; } = 0.05f;

    /// <summary>
    /// Time after a zone change before a portal takes the same character again; a move into a portal
    /// sooner is an ordinary move. Each zone change is written through to storage, so this bounds the
    /// writes one player can drive by walking back and forth between two portals.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")] public TimeSpan PortalCooldown { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest chat message, in characters.</summary>
    [Range(1, 4000)] public int MaxChatLength { get; set; } = 256;

    /// <summary>Chat messages a player may send at once...</summary>
    [Range(1, 1000)] public int ChatBurst { get; set; } = 5;

    /// <summary>...refilled at this rate per second.</summary>
    [Range(0.01, 1000)] public double ChatPerSecond { get; set; } = 1;
}

[OptionsValidator]
public sealed partial class WorldOptionsValidator : IValidateOptions<WorldOptions>;
