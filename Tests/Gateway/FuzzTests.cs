using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Gateway;

/// <summary>Thousands of random inputs must neither crash nor wedge the gateway.</summary>
[Collection(GameClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class FuzzTests(GameCluster cluster)
{
    // Its own loopback address: random Login frames must not throttle the other tests' logins.
    private static readonly IPAddress FuzzAddress = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task RandomBytesAndRandomWellFramedGarbageNeitherCrashNorWedgeTheGateway()
    {
        var (witness, _, _) = await cluster.LoggedInClientAsync("fuzzw");
        await using var _ = witness;
        var registry = cluster.Gateway.Services.GetRequiredService<SessionRegistry>();
        var baseline = registry.Count;
        var requestOpcodes = Enum.GetValues<Opcode>().Select(o => (ushort)o).ToArray();

        // 1,500 connections of raw random bytes and 1,500 of well-framed random frames, 16 at a time.
        await Parallel.ForEachAsync(Enumerable.Range(0, 3000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var random = new Random(i);
            await using var socket = await RawGameSocket.ConnectAsync(cluster.GamePort, FuzzAddress);
            try
            {
                if (i % 2 == 0)
                {
                    var bytes = new byte[random.Next(1, 2048)];
                    random.NextBytes(bytes);
                    await socket.SendAsync(bytes);
                }
                else
                {
                    if (random.Next(2) == 0)
                    {
                        await socket.HelloAsync();
                    }

                    for (var f = random.Next(1, 20); f > 0; f--)
                    {
                        var payload = new byte[random.Next(0, 256)];
                        random.NextBytes(payload);
                        var opcode = random.Next(3) == 0 ? (ushort)random.Next(0, 65536) : requestOpcodes[random.Next(requestOpcodes.Length)];
                        var frame = new byte[FrameHeader.Size + payload.Length];
                        FrameHeader.Write(frame, (uint)payload.Length, opcode, (uint)random.Next());
                        payload.CopyTo(frame, FrameHeader.Size);
                        await socket.SendAsync(frame);
                    }
                }

                socket.ShutdownSend();
                await socket.ReadUntilClosedAsync();
            }
            catch (IOException)
            {
                // The gateway may cut the socket while garbage is still being written: that is an outcome, not a failure.
            }
        });

        await witness.PingAsync();
        await witness.ListCharactersAsync();
        await Await.Within(WaitUntilAsync(() => registry.Count == baseline), "every fuzzed connection to be released");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20);
        }
    }
}
