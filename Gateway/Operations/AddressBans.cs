using System.Net;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Operations;

/// <summary>
/// This gateway's copy of the cluster's address bans: pushed by the ban grain at every change and
/// fetched with every registry heartbeat. Login, ResumeSession and Register from a banned address get
/// ACCOUNT_BANNED; connections from a newly banned address are closed.
/// </summary>
public sealed partial class AddressBans(SessionRegistry sessions, TimeProvider time, ILogger<AddressBans> logger)
{
    private Snapshot _snapshot = new(-1, []);

    public long Version => Volatile.Read(ref _snapshot).Version;

    /// <summary>Keeps <paramref name="list"/> unless an equal or newer one is already held (a push and a fetch may cross).</summary>
    public void Update(AddressBanList list)
    {
        Snapshot next;
        lock (this)
        {
            if (list.Version <= _snapshot.Version)
            {
                return;
            }

            var ranges = new List<(IPNetwork Network, BanInfo Ban)>(list.Bans.Count);
            foreach (var ban in list.Bans)
            {
                if (IPNetwork.TryParse(ban.Cidr, out var network))
                {
                    ranges.Add((network, ban.Ban));
                }
            }

            next = new Snapshot(list.Version, [.. ranges]);
            Volatile.Write(ref _snapshot, next);
        }

        var kicked = 0;
        foreach (var session in sessions.All)
        {
            if (!session.IsClosing && Find(next, session.RemoteAddress) is not null)
            {
                session.Close(DisconnectReason.KickedByAdmin, "address banned");
                kicked++;
            }
        }

        LogUpdated(logger, list.Version, next.Ranges.Length, kicked);
    }

    /// <summary>The ban in force on <paramref name="address"/>, if any.</summary>
    public BanInfo? Find(string address) => Find(Volatile.Read(ref _snapshot), address);

    private BanInfo? Find(Snapshot snapshot, string address)
    {
        if (snapshot.Ranges.Length == 0 || !IPAddress.TryParse(address, out var ip))
        {
            return null;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        var now = time.GetUtcNow();
        foreach (var (network, ban) in snapshot.Ranges)
        {
            if (network.Contains(ip) && ban.IsActiveAt(now))
            {
                return ban;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = LogEvents.AddressBansUpdated, Level = LogLevel.Information, Message = "Address bans at version {Version}: {Ranges} ranges; {Kicked} connections closed")]
    private static partial void LogUpdated(ILogger logger, long version, int ranges, int kicked);

    private sealed record Snapshot(long Version, (IPNetwork Network, BanInfo Ban)[] Ranges);
}
