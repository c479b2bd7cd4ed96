using System.Buffers;
using System.Net.WebSockets;
using OrleansMmo.Gateway.Sessions;

namespace OrleansMmo.Gateway.WebSockets;

/// <summary>
/// A game connection over a WebSocket: each flush of the session's writer is one binary message holding whole
/// frames. Closing sends a Close frame after the last frame (the Disconnect notice, when there is one) and
/// gives the client <c>closeTimeout</c> to answer before the connection is cut.
/// </summary>
public sealed class WebSocketSessionTransport(WebSocket socket, HttpContext context, TimeSpan closeTimeout) : ISessionTransport, IDisposable
{
    private readonly PooledBufferWriter _output = new();
    // Cancelling a WebSocket receive aborts the socket, so this is cancelled only to cut it: after the close
    // handshake had its time, or at once on Abort.
    private readonly CancellationTokenSource _readAborted = new();

    public string Kind => "websocket";

    public string RemoteAddress { get; } = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public IBufferWriter<byte> Output => _output;

    public long UnflushedBytes => _output.WrittenCount;

    /// <summary>The token for the read loop's receives: cancelled when the connection is to be cut.</summary>
    public CancellationToken ReadAborted => _readAborted.Token;

    public async ValueTask<bool> FlushAsync()
    {
        if (_output.WrittenCount == 0)
        {
            return socket.State is WebSocketState.Open or WebSocketState.CloseReceived;
        }

        try
        {
            // No timeout here: a client that stops reading fills the session's queue, and the session cuts it.
            await socket.SendAsync(_output.WrittenMemory, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _output.Reset();
        }
    }

    /// <summary>
    /// A pending receive cannot be woken without aborting the socket, which would lose the frames still queued
    /// (the Disconnect notice). So the read loop ends with the close handshake that <see cref="CompleteAsync"/>
    /// starts; this only makes sure it ends even if the writer never gets that far.
    /// </summary>
    public void StopReading() => CancelReadsAfter(closeTimeout + closeTimeout);

    public async ValueTask CompleteAsync()
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(closeTimeout);
            // The reason is in the Disconnect notice before it; the close frame only ends the conversation.
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
        }

        // The client answers the close frame with its own, which ends the read loop; it gets this long to do so.
        CancelReadsAfter(closeTimeout);
    }

    public void Abort(string reason)
    {
        socket.Abort();
        context.Abort();
        CancelReadsAfter(TimeSpan.Zero);
    }

    /// <summary>After the session ended: the pending cut (if any) is moot, and an unsent batch goes back to the pool.</summary>
    public void Dispose()
    {
        _readAborted.Dispose();
        _output.Reset();
    }

    private void CancelReadsAfter(TimeSpan delay)
    {
        try
        {
            if (delay <= TimeSpan.Zero)
            {
                _readAborted.Cancel();
            }
            else
            {
                _readAborted.CancelAfter(delay);
            }
        }
        catch (ObjectDisposedException)
        {
            // The connection is over and its token gone: nothing left to cut.
        }
    }
}
