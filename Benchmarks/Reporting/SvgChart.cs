using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using OrleansMmo.Bots;

namespace OrleansMmo.Benchmarks.Reporting;

/// <summary>
/// Draws the recorded results (<c>docs/benchmarks/results/*.json</c>) as one SVG: a panel of horizontal
/// bars per benchmark, with the issue's target as a dashed line where there is one. Plain SVG written
/// here, so the chart needs no plotting library or service and diffs as text.
/// </summary>
public static class SvgChart
{
    private const int Width = 900;
    private const int LabelWidth = 300;
    private const int BarHeight = 22;
    private const int PanelGap = 46;
    private static readonly string[] FanoutCases = ["spread", "clumped"];
    private static readonly string[] Engines = ["sqlite", "postgres"];

    private sealed record Bar(string Label, double Value, string Text);

    private sealed record Panel(string Title, List<Bar> Bars, double? Target, string? TargetText);

    public static int Write(string resultsDirectory, string svgPath)
    {
        // Several files may hold one benchmark (connections with one and with three gateways).
        var all = Directory.Exists(resultsDirectory)
            ? Directory.GetFiles(resultsDirectory, "*.json").Order(StringComparer.Ordinal)
                .Select(f => JsonSerializer.Deserialize<BenchmarkResult>(File.ReadAllText(f), RunSummary.JsonOptions)!)
                .ToList()
            : [];
        var results = all.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var panels = new List<Panel>();
        if (results.TryGetValue("requests", out var requests))
        {
            panels.Add(new Panel(
                "a. Requests per second, same callers (higher is better)",
                requests.Loads.Select(l => new Bar(l.Name, l.CallsPerSecond, $"{l.CallsPerSecond:N0}/s  p99 {l.Latency.P99Ms:0.0} ms")).ToList(),
                requests.Loads.FirstOrDefault(l => l.Name.StartsWith("bare Orleans", StringComparison.Ordinal)) is { } ping ? ping.CallsPerSecond * 0.7 : null,
                "0.7 x bare Orleans"));
        }

        foreach (var connections in all.Where(r => r.Name == "connections"))
        {
            var gateways = connections.Parameters.TryGetValue("gateways", out var g) ? g.ToString() : "?";
            var target = gateways == "1" ? 19_000 : 50_000;
            panels.Add(new Panel(
                $"b. In-world players held ({gateways} gateway process(es))",
                [
                    new Bar("players in the world", Metric(connections, "playersInWorld"), $"{Metric(connections, "playersInWorld"):N0}"),
                    new Bar("per gateway", Metric(connections, "playersPerGateway"), $"{Metric(connections, "playersPerGateway"):N0}  ({Metric(connections, "gatewayKiBPerConnection"):0.0} KiB each)"),
                ],
                target,
                $"target {target:N0}"));
        }

        if (results.TryGetValue("fanout", out var fanout))
        {
            panels.Add(new Panel(
                "c. Zone fan-out: entity updates delivered per second",
                FanoutCases.Where(c => fanout.Metrics.ContainsKey($"{c}.entityUpdatesPerSecond"))
                    .Select(c => new Bar(c, Metric(fanout, $"{c}.entityUpdatesPerSecond"),
                        $"{Metric(fanout, $"{c}.entityUpdatesPerSecond"):N0}/s  tick p99 {Metric(fanout, $"{c}.tickP99Ms"):0.0} ms")).ToList(),
                300_000,
                "target 300,000 (spread)"));
        }

        if (results.TryGetValue("login-storm", out var storm))
        {
            panels.Add(new Panel(
                $"d. Online players' GetPlayer p99 (ms) during a login storm of {Metric(storm, "loginsPerSecond"):0} logins/s",
                [
                    new Bar("before the storm", Metric(storm, "onlineP99MsBefore"), $"{Metric(storm, "onlineP99MsBefore"):0.00} ms"),
                    new Bar("during the storm", Metric(storm, "onlineP99MsDuring"), $"{Metric(storm, "onlineP99MsDuring"):0.00} ms"),
                ],
                Metric(storm, "onlineP99MsBefore") * 1.25,
                "+25%"));
        }

        if (results.TryGetValue("write-behind", out var writeBehind))
        {
            panels.Add(new Panel(
                "e. Mutations per storage write (higher is better)",
                Engines.Where(e => writeBehind.Metrics.ContainsKey($"{e}.mutationsPerWrite"))
                    .Select(e => new Bar(e, Metric(writeBehind, $"{e}.mutationsPerWrite"),
                        $"{Metric(writeBehind, $"{e}.mutationsPerWrite"):0.0}  ({Metric(writeBehind, $"{e}.mutationsPerSecond"):N0} moves/s, {Metric(writeBehind, $"{e}.storageWritesPerSecond"):N1} writes/s)")).ToList(),
                50,
                "target 50"));
        }

        var svg = Render(panels, results.Values.Select(r => r.Machine).FirstOrDefault());
        var directory = Path.GetDirectoryName(Path.GetFullPath(svgPath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(svgPath, svg);
        Console.WriteLine($"chart of {all.Count} result(s) written to {svgPath}");
        return 0;
    }

    private static double Metric(BenchmarkResult result, string name) => result.Metrics.GetValueOrDefault(name);

    private static string Render(List<Panel> panels, MachineInfo? machine)
    {
        var height = 60 + panels.Sum(p => 30 + (p.Bars.Count * (BarHeight + 8)) + PanelGap);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n");
        var subtitle = machine is null ? "" : $" — {machine.Cores} cores, {machine.MemoryGiB:0} GiB, {machine.Os}, {machine.Runtime}";
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"20\" y=\"30\" font-size=\"17\" font-weight=\"bold\">OrleansMmo benchmarks{Escape(subtitle)}</text>\n");
        var y = 60;
        foreach (var panel in panels)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"20\" y=\"{y}\" font-weight=\"bold\">{Escape(panel.Title)}</text>\n");
            y += 12;
            var max = Math.Max(panel.Bars.Select(b => b.Value).DefaultIfEmpty(0).Max(), panel.Target ?? 0) * 1.1;
            var plotWidth = Width - LabelWidth - 40;
            double Scale(double value) => max <= 0 ? 0 : value / max * plotWidth;
            var top = y;
            foreach (var bar in panel.Bars)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 8}\" y=\"{y + 16}\" text-anchor=\"end\">{Escape(bar.Label)}</text>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{LabelWidth}\" y=\"{y}\" width=\"{Scale(bar.Value):0.#}\" height=\"{BarHeight}\" fill=\"#4e79a7\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + 6}\" y=\"{y + 16}\" fill=\"{(Scale(bar.Value) > 330 ? "white" : "black")}\">{Escape(bar.Text)}</text>\n");
                y += BarHeight + 8;
            }

            if (panel.Target is { } target && target > 0)
            {
                var x = LabelWidth + Scale(target);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{top - 4}\" x2=\"{x:0.#}\" y2=\"{y - 4}\" stroke=\"#e15759\" stroke-width=\"2\" stroke-dasharray=\"5,4\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 4:0.#}\" y=\"{y + 10}\" fill=\"#e15759\" font-size=\"11\">{Escape(panel.TargetText ?? "target")}</text>\n");
            }

            y += PanelGap;
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
