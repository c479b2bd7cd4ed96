using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// Runs a program to its end the way a person runs it from a shell, keeping what it printed: the repository's
/// tools (Bots, Benchmarks), its scripts (<c>cluster.sh</c>), and the programs the deployment files are checked
/// with. Servers that keep running are <c>ServerProcess</c>.
/// </summary>
public static class ProgramRun
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Errors}";
    }

    /// <summary>Runs one of this build's .NET tools: <c>dotnet &lt;folder&gt;/bin/&lt;configuration&gt;/&lt;framework&gt;/&lt;assembly&gt;.dll args</c>.</summary>
    public static Task<Result> ToolAsync(string folder, string assembly, IEnumerable<string> arguments, TimeSpan timeout) =>
        RunAsync("dotnet", [Repository.BuildOutput(folder, assembly + ".dll"), .. arguments], timeout);

    /// <summary>
    /// Runs <paramref name="program"/> until it exits; kills it (with its children) and throws if that takes longer
    /// than <paramref name="timeout"/>. <paramref name="environment"/> adds variables, or removes those given null.
    /// </summary>
    public static async Task<Result> RunAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // A tool never waits for the test's console.
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"could not start {program} (is it installed? ./test.sh installs what the suite needs)", ex);
        }

        using (process)
        {
            var output = new StringBuilder();
            var errors = new StringBuilder();
            var reading = Task.WhenAll(PumpAsync(process.StandardOutput, output), PumpAsync(process.StandardError, errors));
            try
            {
                await process.WaitForExitAsync().WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                await reading;
                throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s:\n{output}\n{errors}");
            }

            await reading;
            return new Result(process.ExitCode, output.ToString(), errors.ToString());
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
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
