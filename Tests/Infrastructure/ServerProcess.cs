using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// One of our server processes (silo or gateway) run as a real child process from its build output,
/// configured through environment variables (<c>Section__Key</c>), for tests that need what only a
/// process has: being killed with SIGKILL, or stopped with SIGTERM like a service manager does.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int MaxKeptOutputLines = 400;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(string name, Process process, int adminPort)
    {
        Name = name;
        _process = process;
        AdminPort = adminPort;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>Port of the process's admin endpoint (<c>/health/ready</c>).</summary>
    public int AdminPort { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote, stdout and stderr together, for failure messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output);

    /// <summary>The silo's build output next to this test build (same configuration).</summary>
    public static string SiloAssembly => Repository.BuildOutput("Silo", "OrleansMmo.Silo.dll");

    /// <summary>The gateway's build output next to this test build (same configuration).</summary>
    public static string GatewayAssembly => Repository.BuildOutput("Gateway", "OrleansMmo.Gateway.dll");

    /// <summary>
    /// Starts <paramref name="assembly"/> with <paramref name="settings"/> as environment variables
    /// (':' becomes '__') and waits until <c>http://127.0.0.1:{adminPort}/health/ready</c> answers 200.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string name, string assembly, int adminPort, IEnumerable<KeyValuePair<string, string>> settings, TimeSpan? readyTimeout = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: could not start {assembly}");
        var server = new ServerProcess(name, process, adminPort);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200; fails early if the process exits.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var url = $"http://127.0.0.1:{AdminPort}/health/ready";
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} was not ready at {url} within {timeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd or docker send it, then waits for a graceful exit; SIGKILL after <paramref name="timeout"/>.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            // .NET's Process can only SIGKILL; the kill command sends SIGTERM.
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"{Name} did not exit within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds:0} s of SIGTERM and was killed:{Environment.NewLine}{RecentOutput}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > MaxKeptOutputLines && _output.TryDequeue(out _))
        {
        }
    }
}
