using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using OrleansMmo.Protocol;

namespace OrleansMmo.Benchmarks.Baselines;

/// <summary>
/// The floor under the gateway: a Kestrel connection handler over System.IO.Pipelines that answers every
/// frame with the same payload, opcode | 0x8000 and the same request id, using the project's own frame
/// codec. No state, no grain call: what the full path costs above this is the gateway's and Orleans' work.
/// Runs as its own process (<c>echo-server --port P</c>), like the gateway.
/// </summary>
public static class EchoServer
{
    private const int MaxPayloadBytes = 64 * 1024;

    public static async Task<int> RunAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxConcurrentConnections = 20_000;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseConnectionHandler<EchoConnectionHandler>());
        });
        await using var app = builder.Build();
        await app.StartAsync(cancellationToken);
        Console.WriteLine("ready");
        try
        {
            await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping).Token);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await app.StopAsync(CancellationToken.None);
        return 0;
    }

    private sealed class EchoConnectionHandler : ConnectionHandler
    {
        public override async Task OnConnectedAsync(ConnectionContext connection)
        {
            var input = connection.Transport.Input;
            var output = connection.Transport.Output;
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                try
                {
                    // Parse every whole frame, answer them all, flush once: the gateway's read loop shape.
                    while (FrameCodec.TryReadFrame(ref buffer, MaxPayloadBytes, out var frame) == FrameReadStatus.Complete)
                    {
                        Echo(output, frame);
                    }

                    if (result.IsCompleted)
                    {
                        return;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                var flush = await output.FlushAsync();
                if (flush.IsCompleted)
                {
                    return;
                }
            }
        }

        private static void Echo(PipeWriter output, in Frame frame)
        {
            var length = (int)frame.Payload.Length;
            var span = output.GetSpan(FrameHeader.Size + length);
            FrameHeader.Write(span, (uint)length, (ushort)(frame.Opcode | OpcodeExtensions.ResponseBit), frame.RequestId);
            frame.Payload.CopyTo(span[FrameHeader.Size..]);
            output.Advance(FrameHeader.Size + length);
        }
    }
}
