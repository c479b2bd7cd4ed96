using System.Diagnostics;
using System.Globalization;
using System.Net;
using OrleansMmo.Client;

namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// A real haproxy (the Debian package test.sh installs) in front of one gateway, with the shipped configuration
/// (<c>deploy/haproxy/haproxy.cfg</c>, copied beside this tool): PROXY protocol v2 to the gateway from an address
/// of its own, the per-source stick-table limits. The configuration names two gateways; both point at the one
/// gateway here. Runs in the foreground as a child process and is stopped by its pid when disposed.
/// </summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private Task _logging = Task.CompletedTask;

    private HaproxyProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>Where game clients connect (loopback).</summary>
    public int Port { get; }

    public static async Task<HaproxyProcess> StartAsync(
        string runDirectory, int gatewayPort, int gatewayAdminPort, int gatewayWebSocketPort, string sourceAddress, CancellationToken cancellationToken)
    {
        var config = Path.Combine(AppContext.BaseDirectory, "haproxy", "haproxy.cfg");
        var port = ServerSet.FreePort();
        var start = new ProcessStartInfo("haproxy")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = runDirectory,
        };
        // -db: stay in the foreground, so the process is ours to stop.
        foreach (var argument in (string[])["-f", config, "-db"])
        {
            start.ArgumentList.Add(argument);
        }

        string Loopback(int p) => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture);
        start.Environment["MMO_LB_BIND"] = Loopback(port);
        start.Environment["MMO_LB_STATS_BIND"] = Loopback(ServerSet.FreePort());
        start.Environment["MMO_LB_WS_BIND"] = Loopback(ServerSet.FreePort());
        start.Environment["MMO_LB_SOURCE_ADDR"] = sourceAddress;
        start.Environment["MMO_LB_MAX_CONN_PER_SOURCE"] = "64";
        start.Environment["MMO_LB_NEW_CONN_PER_SOURCE"] = "20";
        foreach (var n in (string[])["1", "2"])
        {
            start.Environment[$"MMO_GW{n}_ADDR"] = Loopback(gatewayPort);
            start.Environment[$"MMO_GW{n}_ADMIN_PORT"] = gatewayAdminPort.ToString(CultureInfo.InvariantCulture);
            start.Environment[$"MMO_GW{n}_WS_ADDR"] = Loopback(gatewayWebSocketPort);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("could not start haproxy");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("haproxy is not installed (apt-get install -y haproxy; ./test.sh installs it)", ex);
        }

        var log = Path.Combine(runDirectory, "haproxy.log");
        var balancer = new HaproxyProcess(process, port)
        {
            _logging = Task.WhenAll(CopyAsync(process.StandardError, log), CopyAsync(process.StandardOutput, log + ".out")),
        };

        // Ready once a client gets its Hello answered through it (the gateway passed haproxy's health check).
        var waited = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                try
                {
                    await using var client = await MmoClient.ConnectAsync("127.0.0.1", port, new MmoClientOptions { LocalAddress = IPAddress.Parse("127.0.0.9") }, cancellationToken);
                    await client.PingAsync(cancellationToken: cancellationToken);
                    return balancer;
                }
                catch (Exception ex) when (ex is not OperationCanceledException && waited.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await balancer.DisposeAsync();
            throw new InvalidOperationException($"haproxy did not pass clients to the gateway within 30 s (see {log})", ex);
        }
        catch (OperationCanceledException)
        {
            await balancer.DisposeAsync();
            throw;
        }
    }

    private static async Task CopyAsync(StreamReader from, string path)
    {
        await using var to = new StreamWriter(path, append: true) { AutoFlush = true };
        while (await from.ReadLineAsync() is { } line)
        {
            await to.WriteLineAsync(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await _logging.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);

        _process.Dispose();
    }
}
