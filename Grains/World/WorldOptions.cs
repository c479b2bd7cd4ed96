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
    /// Side of the cells of a second grid of the players (metres), used only to pick the nearest strangers for a view
    /// inside a crowd (where its free places fill within a few small cells, estimated from the players in its own
    /// cells): about the distance within which a dense crowd holds a view's worth of players, so a view that frees a
    /// place reads a few small cells, not the crowd. 0 turns it off.
    /// </summary>
    [Range(0, 10_000)] public float CrowdCellSize { get; set; } = 4;

    /// <summary>
    /// Most entities one player is told about at once. Bounds the update size and the zone's work when
    /// a crowd clumps in one place; entities already in view keep their place.
    /// </summary>
    [Range(1, 10_000)] public int MaxVisibleEntities { get; set; } = 100;

    /// <summary>
    /// Places of a full view kept for creatures (must be below <see cref="MaxVisibleEntities"/>): in a crowd
    /// larger than the view, players take the other places and creatures within the view radius still get
    /// up to this many, so a player in a crowd can see (and fight) a creature beside it. Places creatures
    /// leave unused go to players, and places players leave unused to creatures; 0 lets players fill a view.
    /// </summary>
    [Range(0, 10_000)] public int CreatureViewPlaces { get; set; } = 20;

    /// <summary>Two characters may trade when in the same zone within this distance (metres), checked at the request and at confirmation.</summary>
    [Range(1, 10_000)] public float TradeDistance { get; set; } = 10;

    /// <summary>Most item stacks one side may offer in a trade (bounds the trade's state and the room the goods need).</summary>
    [Range(1, 100)] public int MaxTradeStacks { get; set; } = 8;

    /// <summary>
    /// Fault injection for the crash tests, 0 (off) in every real deployment: a trade's exchange stops for good
    /// after this step (1 Exchanging recorded, 2 and 3 each side's goods in escrow, 4 Committed recorded, 5 and 6
    /// each side settled, 7 Completed recorded), logging event 3405, so a test can kill -9 the silo exactly there.
    /// </summary>
    [Range(0, 7)] public int TradePauseAfterStep { get; set; }

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

    /// <summary>
    /// How often an attached player's keep-alive ticks: it keeps the player active (Orleans would otherwise
    /// collect a player that stands still) and checks its gateway is still registered. Keep it well under
    /// the silo's grain collection age.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan AttachedKeepAliveInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest chat message, in characters.</summary>
    [Range(1, 4000)] public int MaxChatLength { get; set; } = 256;

    /// <summary>Chat messages a player may send at once...</summary>
    [Range(1, 1000)] public int ChatBurst { get; set; } = 5;

    /// <summary>...refilled at this rate per second.</summary>
    [Range(0.01, 1000)] public double ChatPerSecond { get; set; } = 1;

    /// <summary>
    /// Lines the WORLD channel carries at once, cluster-wide (token bucket size): every line reaches every online
    /// player, so the channel has a budget of its own beside each player's. Over it a line is CHAT_RATE_LIMITED.
    /// </summary>
    [Range(1, 100_000)] public int WorldChatBurst { get; set; } = 30;

    /// <summary>...refilled at this many lines per second for the whole cluster.</summary>
    [Range(0.01, 100_000)] public double WorldChatPerSecond { get; set; } = 10;

    /// <summary>
    /// How long a WORLD line or announcement waits for others to go out with it: the lines of a burst reach each
    /// gateway in one call and each client in one write, instead of one of each per line (the lines of one
    /// silo's world chat; 0 still groups the lines said while the last group was being delivered).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")] public TimeSpan WorldChatBatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Lowest level a character speaks on WORLD at (anti-spam: a fresh account cannot shout to every player); 1 lets
    /// everyone. Below it a WORLD line is CHAT_CHANNEL_LOCKED; SAY, ZONE and whispers are not affected.
    /// </summary>
    [Range(1, 10_000)] public int WorldChatMinLevel { get; set; } = 1;

    /// <summary>How old a character must be to speak on WORLD (zero: any); younger, a line is CHAT_CHANNEL_LOCKED with when it may.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan WorldChatMinCharacterAge { get; set; } = TimeSpan.Zero;

    /// <summary>How often a world pushes queue positions to every waiting client (also at once when a turn comes).</summary>
    public TimeSpan QueueUpdateInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Slices the waiting clients are pushed in, one slice every <see cref="QueueUpdateInterval"/> / slices: each client
    /// still hears once per interval, but 4,000 waiting clients are 400 pushes every 200 ms, not 4,000 at once (measured:
    /// the single burst cost the players already in the world 35-66 ms of p99 every other second; docs/benchmarks).
    /// </summary>
    [Range(1, 100)] public int QueueUpdateSlices { get; set; } = 10;

    /// <summary>
    /// Turns a world hands out per second at most, spread over its ticks (<see cref="QueueUpdateInterval"/> /
    /// <see cref="QueueUpdateSlices"/>: 20 every 200 ms by default). Each turn is an EnterWorld moments later; places
    /// freed by the hundred (a capacity raised, the end of maintenance) go to the queue in steps instead of one burst
    /// of world entries (measured: that burst was most of the online players' p99 while a queue moved; docs/benchmarks).
    /// </summary>
    [Range(0.1, 100_000)] public double QueueTurnsPerSecond { get; set; } = 100;

    /// <summary>
    /// How far apart silos' clocks may be. A zone's ticks and a world's queue-status versions are read from the clock
    /// when the grain activates, so that a grain moved to another silo goes on above what it sent before (gateways let
    /// go of a zone's older ticks, clients of older statuses); they start this far ahead, so a new silo's clock that
    /// far behind the old one's still goes on above.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan ClockSkewAllowance { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a queued client that lost its connection keeps its place: reconnect, resume, EnterWorld with the ticket.</summary>
    public TimeSpan QueueReconnectGrace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a place is held for a client whose turn came, for it to send EnterWorld; then it goes to the next.</summary>
    public TimeSpan QueueTurnGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Players one world's queue holds at most; beyond it EnterWorld answers BUSY.</summary>
    [Range(1, 10_000_000)] public int MaxQueueLength { get; set; } = 100_000;

    /// <summary>How often a world checks that its zones answer; a world whose zones do not is listed offline.</summary>
    public TimeSpan ZoneProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a zone (or a gateway asked who is in the world) may take to answer a world's probe.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a world re-counts who is in it from the gateways (players of a gateway that died leave its
    /// count). Admissions younger than this are kept: their EnterWorld may not have reached the gateway yet.
    /// </summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each silo looks for a live reload of the game data; a reload waits for every silo.</summary>
    public TimeSpan GameDataPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a reload waits for every active silo to apply the new data before it answers.</summary>
    public TimeSpan GameDataReloadTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The game data directory this silo reads, as <see cref="GameDataPath"/> names it.</summary>
    public string GameDataDirectory() =>
        Path.IsPathRooted(GameDataPath) ? GameDataPath : Path.Combine(AppContext.BaseDirectory, GameDataPath);
}

[OptionsValidator]
public sealed partial class WorldOptionsValidator : IValidateOptions<WorldOptions>;
