using System.IO.Pipelines;
using System.Net;

namespace OrleansMmo.Client.Transports;

/// <summary>
/// What carries frames between a client and a gateway: a byte stream each way. A
/// <see cref="FrameConnection"/> does everything else (framing, request ids, pushes, timeouts), so a
/// new carrier is one small class (<see cref="TcpFrameTransport"/> over a socket).
/// </summary>
/// <remarks>
/// The frame connection is the only reader of <see cref="Input"/> and the only writer of
/// <see cref="Output"/>. It flushes <see cref="Output"/> only after whole frames (except for raw bytes a
/// test sends on purpose), so a message-based carrier may turn each flush into messages without
/// splitting a frame. Completing <see cref="Output"/> ends the sending side; disposing
/// closes the carrier and makes a pending read of <see cref="Input"/> end.
/// </remarks>
public interface IFrameTransport : IAsyncDisposable
{
    /// <summary>Bytes from the gateway, in order.</summary>
    PipeReader Input { get; }

    /// <summary>Bytes to the gateway; each flush sends what was written since the last one.</summary>
    PipeWriter Output { get; }

    /// <summary>The gateway's address as the carrier sees it, when it knows one.</summary>
    EndPoint? RemoteEndPoint { get; }
}
