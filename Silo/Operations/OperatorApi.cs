using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OrleansMmo.Grains.Operations;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Silo.Operations;

/// <summary>
/// The operator API on the silo's admin port, under <c>/api</c>, behind <see cref="OperatorKeyFilter"/>.
/// Each endpoint is a thin call to the <see cref="IOperatorGrain"/> (roles, audit) with the key's identity.
/// Answers are <c>{ outcome, message, value }</c> with the status of the outcome: 200 ok, 400 invalid,
/// 403 forbidden, 404 not found, 503 failed.
/// </summary>
public static class OperatorApi
{
    public static WebApplicationBuilder AddMmoOperatorApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OperatorApiOptions>().Bind(builder.Configuration.GetSection(OperatorApiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OperatorApiOptions>, OperatorApiOptionsValidator>();
        services.AddSingleton<OperatorKeys>();
        services.AddSingleton<OperatorKeyFilter>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower)));
        return builder;
    }

    public static WebApplication MapMmoOperatorApi(this WebApplication app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter<OperatorKeyFilter>();
        api.MapGet("/whoami", (HttpContext http) => Results.Ok(OperatorKeyFilter.Of(http)));

        api.MapGet("/accounts/{username}", (string username, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).LookUpAccount(Op(http), username)));
        api.MapPost("/accounts/{username}/kick", (string username, ReasonBody? body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).KickAccount(Op(http), username, body?.Reason ?? "")));
        api.MapPost("/accounts/{username}/ban", (string username, DurationBody? body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).BanAccount(Op(http), username, body?.Until(), body?.Reason ?? "")));
        api.MapPost("/accounts/{username}/unban", (string username, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).UnbanAccount(Op(http), username)));
        api.MapPut("/accounts/{username}/role", (string username, RoleBody body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).SetRole(Op(http), username, body.Role)));

        api.MapGet("/characters/{world}/{name}", (string world, string name, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).LookUpCharacter(Op(http), world, name)));
        api.MapPost("/characters/{world}/{name}/kick", (string world, string name, ReasonBody? body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).KickCharacter(Op(http), world, name, body?.Reason ?? "")));
        api.MapPost("/characters/{world}/{name}/mute", (string world, string name, DurationBody body, HttpContext http, IGrainFactory grains) =>
            body.Until() is { } until
                ? Answer(Operator(grains).Mute(Op(http), world, name, until, body.Reason ?? ""))
                : Task.FromResult(Results.Problem("a mute needs minutes or until", statusCode: StatusCodes.Status400BadRequest)));
        api.MapPost("/characters/{world}/{name}/unmute", (string world, string name, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).Unmute(Op(http), world, name)));
        api.MapPost("/characters/{world}/{name}/teleport", (string world, string name, TeleportBody body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).Teleport(Op(http), world, name, new TeleportDestination(
                body.Zone, body.X is { } x && body.Y is { } y ? new Position(x, y) : null, body.ToCharacter))));
        api.MapPost("/characters/{world}/{name}/grant", (string world, string name, GrantBody body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).Grant(Op(http), world, name, new InventoryChange(body.ItemId, body.Count, body.Gold), body.Reason ?? "")));

        api.MapGet("/online", (string? world, string? search, int? offset, int? limit, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).ListOnline(Op(http), world, search, offset ?? 0, limit ?? 50)));

        api.MapGet("/bans/addresses", (HttpContext http, IGrainFactory grains) => Answer(Operator(grains).ListAddressBans(Op(http))));
        api.MapPost("/bans/addresses", (AddressBanBody body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).BanAddress(Op(http), body.Cidr ?? "", body.Until(), body.Reason ?? "")));
        api.MapDelete("/bans/addresses", (string cidr, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).UnbanAddress(Op(http), cidr)));

        api.MapPost("/announce", (TextBody body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).Announce(Op(http), body.Text ?? "")));

        api.MapGet("/audit", (string? target, string? @operator, string? action, DateTimeOffset? from, DateTimeOffset? to, int? limit, long? before,
            HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).QueryAudit(Op(http), new AuditQuery(target, @operator, action, from, to, limit ?? 100, before))));

        api.MapGet("/worlds", (HttpContext http, IGrainFactory grains) => Answer(Operator(grains).ListWorlds(Op(http))));
        api.MapPut("/worlds/{world}", (string world, WorldBody body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).ConfigureWorld(Op(http), world, body.Capacity, body.Maintenance, body.KickPlayers)));

        api.MapGet("/gateways", (HttpContext http, IGrainFactory grains) => Answer(Operator(grains).ListGateways(Op(http))));
        api.MapPost("/gateways/{gateway}/drain", (string gateway, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).DrainGateway(Op(http), gateway, drain: true)));
        api.MapPost("/gateways/{gateway}/undrain", (string gateway, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).DrainGateway(Op(http), gateway, drain: false)));

        api.MapPost("/gamedata/reload", (HttpContext http, IGrainFactory grains) => Answer(Operator(grains).ReloadGameData(Op(http))));

        api.MapGet("/shutdown", (HttpContext http, IGrainFactory grains) => Answer(Operator(grains).GetShutdown(Op(http))));
        api.MapPost("/shutdown", (ShutdownBody body, HttpContext http, IGrainFactory grains) =>
            Answer(Operator(grains).ScheduleShutdown(Op(http), TimeSpan.FromSeconds(Math.Clamp(body.InSeconds, -1, 86_401)), body.Message ?? "")));
        api.MapDelete("/shutdown", (HttpContext http, IGrainFactory grains) => Answer(Operator(grains).CancelShutdown(Op(http))));

        api.MapGet("/stats/daily", (DateOnly? from, DateOnly? to, string? world, HttpContext http, IGrainFactory grains, TimeProvider time) =>
        {
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            return Answer(Operator(grains).DailyStats(Op(http), from ?? today.AddDays(-6), to ?? today, world));
        });
        return app;
    }

    /// <summary>The grain's result as JSON, with the HTTP status of its outcome.</summary>
    public static async Task<IResult> Answer<T>(Task<OperatorResult<T>> call)
    {
        var result = await call;
        var status = result.Outcome switch
        {
            OperatorOutcome.Ok => StatusCodes.Status200OK,
            OperatorOutcome.NotFound => StatusCodes.Status404NotFound,
            OperatorOutcome.Invalid => StatusCodes.Status400BadRequest,
            OperatorOutcome.Forbidden => StatusCodes.Status403Forbidden,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        return Results.Json(result, statusCode: status);
    }

    private static IOperatorGrain Operator(IGrainFactory grains) => grains.GetGrain<IOperatorGrain>(0);

    private static OperatorIdentity Op(HttpContext http) => OperatorKeyFilter.Of(http);
}

public sealed record ReasonBody(string? Reason);

public sealed record TextBody(string? Text);

public sealed record RoleBody(AccountRole Role);

/// <summary>A ban or mute: <see cref="Minutes"/> from now, or <see cref="Until"/>; neither means until lifted (bans only).</summary>
public record DurationBody(double? Minutes, DateTimeOffset? UntilTime, string? Reason)
{
    public DateTimeOffset? Until() =>
        UntilTime ?? (Minutes is { } minutes && minutes > 0 ? DateTimeOffset.UtcNow + TimeSpan.FromMinutes(Math.Min(minutes, 100 * 365 * 24 * 60.0)) : null);
}

public sealed record AddressBanBody(string? Cidr, double? Minutes, DateTimeOffset? UntilTime, string? Reason) : DurationBody(Minutes, UntilTime, Reason);

public sealed record TeleportBody(string? Zone, float? X, float? Y, string? ToCharacter);

public sealed record GrantBody(string? ItemId, int Count, long Gold, string? Reason);

public sealed record WorldBody(int? Capacity, bool? Maintenance, bool KickPlayers);

public sealed record ShutdownBody(double InSeconds, string? Message);
