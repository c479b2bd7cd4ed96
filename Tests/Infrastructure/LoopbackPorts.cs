using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// Ports for the servers a test or benchmark starts (the benchmark tool links this file): Orleans needs its ports up
/// front, so port 0 will not do. Taken from below the kernel's ephemeral range: a port the kernel handed out for a
/// moment (port 0) is free again once probed, and any outgoing connection may be given it before the server binds it
/// (a gateway that "did not start", address in use). Below that range only another such choice can take it, and one
/// process never hands out a port twice; and below 21,100, where cluster.sh (and the suite's native cluster, from
/// 22,000) take theirs.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private const int ClusterScriptPorts = 21_100;
    private static readonly HashSet<int> HandedOut = [];
    private static readonly int Highest = Math.Min(ClusterScriptPorts, ReadEphemeralStart());

    /// <summary>A loopback TCP port nothing listens on right now, outside the ephemeral range and cluster.sh's ports.</summary>
    public static int FreeTcp()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, Highest);
            lock (HandedOut)
            {
                if (!HandedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use (another process's choice, or a service): try another.
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest}");
    }

    /// <summary>The first port of <c>/proc/sys/net/ipv4/ip_local_port_range</c>; Linux's default (32768) elsewhere.</summary>
    private static int ReadEphemeralStart()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return Math.Max(Lowest + 1_000, int.Parse(first, CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32_768;
        }
    }
}
