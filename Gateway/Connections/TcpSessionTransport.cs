using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using OrleansMmo.Gateway.Sessions;

namespace OrleansMmo.Gateway.Connections;

/// <summary>A game connection on the TCP port: frames back to back on Kestrel's pipes.</summary>
public sealed class TcpSessionTransport(ConnectionContext connection) : ISessionTransport
{
    private readonly PipeWriter _output = connection.Transport.Output;

    public string Kind => "tcp";

    public string RemoteAddress { get; } = connection.RemoteEndPoint is System.Net.IPEndPoint ip ? ip.Address.ToString() : "unknown";

    public IBufferWriter<byte> Output => _output;

    public long UnflushedBytes => _output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0;

    public async ValueTask<bool> FlushAsync()
    {
        var flush = await _output.FlushAsync().ConfigureAwait(false);
        return !flush.IsCompleted && !flush.IsCanceled;
    }

    /// <summary>Wakes the read loop's pending read; the socket stays open for the writer's last frames.</summary>
    public void StopReading() => connection.Transport.Input.CancelPendingRead();

    /// <summary>Nothing to do: Kestrel closes the socket once the connection handler returns.</summary>
    public ValueTask CompleteAsync() => ValueTask.CompletedTask;

    public void Abort(string reason) => connection.Abort(new ConnectionAbortedException(reason));
}
