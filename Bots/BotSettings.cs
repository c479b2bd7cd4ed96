using System.Net;

namespace OrleansMmo.Bots;

/// <summary>Everything one run of bots needs; built from the command line (see Program).</summary>
public sealed record BotSettings
{
    /// <summary>Gateways to spread bots over, round robin by bot index.</summary>
    public IReadOnlyList<DnsEndPoint> Gateways { get; init; } = [new DnsEndPoint("127.0.0.1", 7000)];

    /// <summary>How bots reach the gateways: raw TCP on the game port, or WebSocket (<see cref="Gateways"/> then
    /// names the gateways' WebSocket ports, and bots connect to <c>ws://host:port</c> + <see cref="WebSocketPath"/>).</summary>
    public BotTransport Transport { get; init; } = BotTransport.Tcp;

    /// <summary>Path of the gateways' WebSocket endpoint.</summary>
    public string WebSocketPath { get; init; } = "/ws";

    /// <summary>TLS to the game port (<c>--tls</c>).</summary>
    public bool Tls { get; init; }

    /// <summary>PEM certificate trusted instead of the system's roots (<c>--tls-ca</c>).</summary>
    public string? TlsCa { get; init; }

    /// <summary>Name the gateway's certificate must carry (<c>--tls-host</c>); the gateway's host when null.</summary>
    public string? TlsHost { get; init; }

    /// <summary>Local addresses to connect from, round robin by bot index; empty lets the OS choose.</summary>
    public IReadOnlyList<IPAddress> Sources { get; init; } = [];

    /// <summary>Bots in this process.</summary>
    public int Bots { get; init; } = 10;

    /// <summary>Index of this process's first bot: workers take consecutive shares of one numbering.</summary>
    public int FirstIndex { get; init; }

    /// <summary>Account and character names are the prefix and the bot's index, so reruns reuse them.</summary>
    public string Prefix { get; init; } = "bot";

    /// <summary>How long the run lasts, counted from the start (ramp-up included).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bots started per second in this process; 0 starts all at once.</summary>
    public double RampPerSecond { get; init; } = 500;

    /// <summary>Logins and registrations in flight at once in this process (each costs the silo a password hash).</summary>
    public int LoginConcurrency { get; init; } = 8;

    /// <summary>Moves per second per bot once in the world; 0 holds still (heartbeats only).</summary>
    public double MoveRate { get; init; } = 2;

    /// <summary>Fraction of the zone's max_speed a bot walks at; below 1 to leave room for network jitter.</summary>
    public double SpeedFactor { get; init; } = 0.8;

    /// <summary>Mean time between one bot's chat messages; zero disables chat.</summary>
    public TimeSpan ChatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Chance that a bot picks a portal as its next waypoint, and so changes zones.</summary>
    public double PortalChance { get; init; } = 0.05;

    /// <summary>Bots wander within this many metres of where they entered the world (a clump); 0 roams the whole zone.</summary>
    public double RoamRadius { get; init; }

    /// <summary>Requests for the character's own state (GetPlayer, the full path to the Player grain) per second per bot.</summary>
    public double GetPlayerRate { get; init; }

    /// <summary>
    /// How long a bot stays in the world before it closes its connection and ends (a player who logs off); null stays
    /// until the run ends. The login queue's benchmark uses it so that the queue moves as players leave a full world.
    /// </summary>
    public TimeSpan? StayInWorld { get; init; }

    /// <summary>
    /// Each bot's stay is <see cref="StayInWorld"/> times a factor drawn evenly from 1 - spread to 1 + spread (0-1), so
    /// that players who entered together do not all leave together; 0 (the default) stays exactly that long.
    /// </summary>
    public double StaySpread { get; init; }

    /// <summary>When set, a bot's stay starts when this completes (or when it enters, if later), not when it enters.</summary>
    public Task? StayStartsWith { get; init; }

    /// <summary>Reconnect (resuming the session with its ticket) when a connection is lost before the end.</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>A file of session tickets by username: bots resume with them instead of spending a password
    /// hash on a login. Benchmarks use it to put thousands of players in the world quickly.</summary>
    public string? TicketCache { get; init; }

    /// <summary>Read the ticket cache but never write it back (a benchmark reusing one seeded snapshot).</summary>
    public bool TicketCacheReadOnly { get; init; }

    /// <summary>How long a request waits for its answer before it counts as a TIMEOUT error.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where queued bots note what they were told (a benchmark checking the login queue); null: not noted.</summary>
    public Metrics.QueueLedger? QueueLedger { get; init; }

    /// <summary>
    /// Bots in the world stand still until this completes (a benchmark lets every bot in before the crowd
    /// starts moving, so logins are not measured against its updates); null: they move at once. In-process only.
    /// </summary>
    public Task? MovesStart { get; init; }

    /// <summary>The world new characters are made in; null: the default world.</summary>
    public string? World { get; init; }

    /// <summary>
    /// Fight: each bot keeps the zone's view from its WorldUpdates, walks to a living creature in view
    /// and attacks it whenever its cooldown allows, rises again (Respawn) when it dies, and wanders when
    /// nothing is in view. Ticks at <see cref="MoveRate"/>: each tick sends one Move, Attack or Respawn.
    /// </summary>
    public bool Combat { get; init; }

    /// <summary>
    /// Trades a fighting bot starts per minute with another bot of its process standing within a few metres
    /// (0: none). Bots answer invitations from each other whatever this is; every bot drinks a potion below 40% health.
    /// </summary>
    public double TradeRate { get; init; }

    /// <summary>The bots of this process by character name: whom a bot may invite to trade (set by the runner).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte> Traders { get; } = new(StringComparer.Ordinal);

    /// <summary>Stop after accounts and characters exist and tickets are cached, without entering the world.</summary>
    public bool SeedOnly { get; init; }

    /// <summary>Log in (the accounts must exist) and stop there: no registration, no character, no world.
    /// What a login storm is made of.</summary>
    public bool LoginOnly { get; init; }

    /// <summary>The SDK's TLS settings for these bots; null for plain TCP. The CA file is read once per process.</summary>
    public OrleansMmo.Client.MmoClientTls? ClientTls() => !Tls ? null : _clientTls ??= new OrleansMmo.Client.MmoClientTls
    {
        TargetHost = TlsHost,
        TrustedCertificate = TlsCa is null ? null : System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(TlsCa)),
    };

    private OrleansMmo.Client.MmoClientTls? _clientTls;

    public static string UsernameOf(string prefix, int index) => $"{prefix}{index:D6}";

    /// <summary>Deterministic, so a rerun logs in to the accounts an earlier run registered.</summary>
    public static string PasswordOf(string prefix, int index) => $"bots-{prefix}-{index}-pw";
}

/// <summary>What carries a bot's frames.</summary>
public enum BotTransport
{
    Tcp,
    WebSocket,
}
