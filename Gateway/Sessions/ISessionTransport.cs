using System.Buffers;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// What carries one <see cref="ClientSession"/>'s frames: a TCP connection, a WebSocket, an in-process pipe.
/// Only the bytes differ; the state machine, limits, rate limits, timeouts, the bounded outbound queue and
/// drain live in the session and are the same on every carrier.
/// </summary>
public interface ISessionTransport
{
    /// <summary>What logs and metrics call this carrier: <c>tcp</c>, <c>websocket</c>, <c>firefly</c>.</summary>
    string Kind { get; }

    /// <summary>The client's address (login throttling counts failures per address).</summary>
    string RemoteAddress { get; }

    /// <summary>Where the session's one writer puts whole frames; <see cref="FlushAsync"/> sends them.</summary>
    IBufferWriter<byte> Output { get; }

    /// <summary>Bytes written to <see cref="Output"/> and not yet flushed.</summary>
    long UnflushedBytes { get; }

    /// <summary>Sends what was written since the last flush (over WebSocket: one binary message). False once the
    /// peer takes no more bytes.</summary>
    ValueTask<bool> FlushAsync();

    /// <summary>The session is closing: its read loop must stop reading soon.</summary>
    void StopReading();

    /// <summary>The writer wrote its last frame (the session is closed): end the carrier gracefully.</summary>
    ValueTask CompleteAsync();

    /// <summary>Cuts the connection at once, without waiting for queued frames.</summary>
    void Abort(string reason);
}
