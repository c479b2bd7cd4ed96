using System.Net;
using System.Net.Sockets;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>Ports for the servers a test starts (Orleans needs its ports up front, so port 0 will not do).</summary>
public static class LoopbackPorts
{
    /// <summary>A loopback TCP port nothing listens on right now.</summary>
    public static int FreeTcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
