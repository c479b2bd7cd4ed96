using System.Diagnostics;
using System.Text;

namespace OrleansMmo.Tests.Benchmarks;

/// <summary>
/// Runs one of the repository's command-line tools (Bots, Benchmarks) from its own build output, the
/// way a person runs it: <c>dotnet Tool/bin/&lt;configuration&gt;/net10.0/Tool.dll args</c>. test.sh builds
/// the whole solution before testing, so the tools are there in the configuration the tests were built in.
/// </summary>
public static class ToolRun
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Errors}";
    }

    public static string ToolPath(string folder, string assembly)
    {
        // .../Tests/bin/<configuration>/<tfm>/ -> .../<folder>/bin/<configuration>/<tfm>/<assembly>.dll
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfm.Parent!;
        var repository = configuration.Parent!.Parent!.Parent!;
        var path = Path.Combine(repository.FullName, folder, "bin", configuration.Name, tfm.Name, assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{assembly} is not built (looked for {path}); build the solution first", path);
    }

    public static async Task<Result> RunAsync(string dll, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        var output = new StringBuilder();
        var errors = new StringBuilder();
        var reading = Task.WhenAll(Pump(process.StandardOutput, output), Pump(process.StandardError, errors));
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await reading;
            throw new TimeoutException($"{Path.GetFileName(dll)} {string.Join(' ', start.ArgumentList.Skip(1))} did not finish within {timeout.TotalSeconds:0} s:\n{output}\n{errors}");
        }

        await reading;
        return new Result(process.ExitCode, output.ToString(), errors.ToString());
    }

    private static async Task Pump(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.AppendLine(line);
            }
        }
    }
}
