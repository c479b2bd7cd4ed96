using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

/// <summary>The request could not complete because the connection is closed or closed while it waited.</summary>
public sealed class MmoDisconnectedException : Exception
{
    public MmoDisconnectedException(DisconnectInfo info)
        : base($"The connection is closed ({info})", info?.Exception)
    {
        ArgumentNullException.ThrowIfNull(info);
        Info = info;
    }

    public DisconnectInfo Info { get; }

    /// <summary>The reason from the server's Disconnect push, if one arrived.</summary>
    public DisconnectReason? Reason => Info.Reason;
}
