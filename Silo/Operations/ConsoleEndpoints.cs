using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.GameData;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Silo.Operations;

/// <summary>The web console's settings. Section <c>Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>How often a live map is pushed to the browser watching it.</summary>
    public TimeSpan MapInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Live maps streamed at once by this silo; more are refused with 503 (each costs a zone call per interval).</summary>
    [Range(1, 1000)] public int MaxMapStreams { get; set; } = 16;
}

[OptionsValidator]
public sealed partial class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>;

/// <summary>
/// The operators' web console on the silo's admin port: a page (<c>/console/</c>, embedded in this assembly)
/// built on the operator API, with the same keys and roles, and two endpoints only it needs: the zones of
/// the game data, and a zone's live map pushed as server-sent events (<c>text/event-stream</c>), a
/// snapshot every <see cref="ConsoleOptions.MapInterval"/>, not polled by the browser.
/// </summary>
public static class ConsoleEndpoints
{
    private static int _streams;

    public static WebApplicationBuilder AddMmoConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>().Bind(builder.Configuration.GetSection(ConsoleOptions.Section))
            .Validate(o => o.MapInterval >= TimeSpan.FromMilliseconds(50), "Console:MapInterval must be at least 50 ms")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        return builder;
    }

    public static WebApplication MapMmoConsole(this WebApplication app)
    {
        // The page itself holds no secret: it asks for the key and sends it with every API call.
        // Routing matches "/console/" to this template too: only the bare "/console" is redirected (the page's
        // relative links need the slash), or the browser would be sent round in circles.
        app.MapGet("/console", (HttpContext http) => http.Request.Path.Value?.EndsWith('/') == true
            ? ConsoleFiles.Serve("index.html")
            : Results.Redirect("/console/"));
        app.MapGet("/console/{**file}", (string? file) => ConsoleFiles.Serve(string.IsNullOrEmpty(file) ? "index.html" : file));

        var api = app.MapGroup("/api").AddEndpointFilter<OperatorKeyFilter>();
        api.MapGet("/zones", (HttpContext http, GameDataCatalog data) =>
            OperatorKeyFilter.Of(http).Role < AccountRole.GameMaster
                ? Results.StatusCode(StatusCodes.Status403Forbidden)
                : Results.Ok(data.Zones.Values.OrderBy(z => z.Id, StringComparer.Ordinal).Select(z => new
                {
                    zoneId = z.Id,
                    z.Name,
                    z.Width,
                    z.Height,
                    portals = z.Portals.Select(p => new { p.Id, minX = p.Min.X, minY = p.Min.Y, maxX = p.Max.X, maxY = p.Max.Y, p.TargetZone }),
                })));
        api.MapGet("/zones/{world}/{zone}/live", StreamMapAsync);
        return app;
    }

    private static async Task StreamMapAsync(string world, string zone, HttpContext http, IGrainFactory grains, GameDataCatalog data,
        IOptions<ConsoleOptions> options, CancellationToken cancellationToken)
    {
        if (OperatorKeyFilter.Of(http).Role < AccountRole.GameMaster)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (!data.Worlds.ContainsKey(world) || !data.Zones.ContainsKey(zone))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (Interlocked.Increment(ref _streams) > options.Value.MaxMapStreams)
        {
            Interlocked.Decrement(ref _streams);
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        try
        {
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            var grain = grains.GetGrain<IZoneGrain>(ZoneKeys.Of(world, zone));
            using var timer = new PeriodicTimer(options.Value.MapInterval);
            do
            {
                var snapshot = await grain.Snapshot();
                await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(snapshot, JsonSerializerOptions.Web)}\n\n", cancellationToken);
                await http.Response.Body.FlushAsync(cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The browser left the map.
        }
        finally
        {
            Interlocked.Decrement(ref _streams);
        }
    }
}

/// <summary>The console's files, embedded in this assembly (<c>Operations/Console/*</c>).</summary>
internal static class ConsoleFiles
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static IResult Serve(string file)
    {
        var extension = Path.GetExtension(file);
        if (file.Contains('/', StringComparison.Ordinal) || !Types.TryGetValue(extension, out var type))
        {
            return Results.NotFound();
        }

        var stream = typeof(ConsoleFiles).Assembly.GetManifestResourceStream($"OrleansMmo.Silo.Operations.Console.{file}");
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
