using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using OrleansMmo.Client.Transports;
using OrleansMmo.Gateway.Sessions;

namespace OrleansMmo.Gateway.Firefly;

/// <summary>
/// A session and a client joined by two in-process pipes: the door's client speaks the ordinary protocol into an
/// ordinary session, so the door gets every state, limit and timeout of the TCP port without a copy of them.
/// </summary>
public sealed class InProcessTransport
{
    private readonly Pipe _toSession = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _toClient = new(new PipeOptions(useSynchronizationContext: false));

    public InProcessTransport(string kind, string remoteAddress)
    {
        Session = new SessionSide(this, kind, remoteAddress);
        Client = new ClientSide(this);
    }

    /// <summary>The session's carrier; its read loop reads <see cref="SessionInput"/>.</summary>
    public ISessionTransport Session { get; }

    public PipeReader SessionInput => _toSession.Reader;

    /// <summary>The client's carrier.</summary>
    public IFrameTransport Client { get; }

    private sealed class SessionSide(InProcessTransport pipes, string kind, string remoteAddress) : ISessionTransport
    {
        private readonly PipeWriter _output = pipes._toClient.Writer;

        public string Kind => kind;

        public string RemoteAddress => remoteAddress;

        public IBufferWriter<byte> Output => _output;

        public long UnflushedBytes => _output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0;

        public async ValueTask<bool> FlushAsync()
        {
            var flush = await _output.FlushAsync().ConfigureAwait(false);
            return !flush.IsCompleted && !flush.IsCanceled;
        }

        public void StopReading() => pipes._toSession.Reader.CancelPendingRead();

        /// <summary>The end of the stream tells the client the session is over (after its Disconnect notice).</summary>
        public ValueTask CompleteAsync() => _output.CompleteAsync();

        /// <summary>Thread-safe, unlike completing the pipe under its writer: the writer's flush and the read loop's
        /// read both return at once, and the door ends the client when the session is over.</summary>
        public void Abort(string reason)
        {
            _output.CancelPendingFlush();
            pipes._toSession.Reader.CancelPendingRead();
        }
    }

    private sealed class ClientSide(InProcessTransport pipes) : IFrameTransport
    {
        public PipeReader Input => pipes._toClient.Reader;

        public PipeWriter Output => pipes._toSession.Writer;

        public EndPoint? RemoteEndPoint => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
