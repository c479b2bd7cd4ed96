using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Cluster;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Firefly;
using OrleansMmo.Gateway.Handlers;
using OrleansMmo.Gateway.Metrics;
using OrleansMmo.Gateway.Operations;
using OrleansMmo.Gateway.Routing;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Gateway.WebSockets;
using OrleansMmo.Grains;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Grains.World;
using OrleansMmo.Hosting;

namespace OrleansMmo.Gateway.Hosting;

public static partial class GatewayHostingExtensions
{
    /// <summary>Overrides of the Orleans client's gateway list settings (<c>GatewayListRefreshPeriod</c>).</summary>
    public const string ClientGatewaysSection = "Cluster:Client";

    /// <summary>
    /// The process's one Orleans client: Redis membership when configured, localhost otherwise; mutual TLS with its
    /// cluster certificate when <c>Cluster:Tls</c> is set. It retries until the cluster answers.
    /// </summary>
    public static WebApplicationBuilder UseMmoCluster(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var settings = builder.Services.AddMmoClusterOptions(configuration);
        var redis = configuration.GetConnectionString(MmoClusterOptions.RedisConnectionStringName);
        builder.UseOrleansClient(client =>
        {
            if (string.IsNullOrWhiteSpace(redis))
            {
                client.UseLocalhostClustering(settings.GatewayPort, settings.ServiceId, settings.ClusterId);
            }
            else
            {
                client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ServiceId;
                });
                client.UseRedisClustering(redis);
            }

            // Learn of new and dead silos within seconds rather than a minute (the default), so a
            // silo that joins takes gateway traffic soon and a dead one is not tried again.
            client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Configure<Orleans.Configuration.GatewayOptions>(configuration.GetSection(ClientGatewaysSection));
            client.UseMmoClusterTls(configuration);
            client.Services.AddSingleton<ClusterFailoverMonitor>();
            client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterFailoverMonitor>());
            client.UseConnectionRetryFilter<RetryUntilStopped>();
        });
        return builder;
    }

    /// <summary>The game port (TCP), the WebSocket port, the Firefly door when configured, connection sessions,
    /// the opcode table, and HTTP health on the admin port.</summary>
    public static WebApplicationBuilder AddMmoGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayAddressRulesValidator>();
        services.AddSingleton<ConnectionAdmission>();
        services.AddSingleton<ProxyProtocolMiddleware>();
        services.AddSingleton<RegistrationBudget>();
        services.AddOptions<SessionStartOptions>().Bind(builder.Configuration.GetSection(SessionStartOptions.Section))
            .Validate(o => o.MaxWait > TimeSpan.Zero && o.MaxWait <= TimeSpan.FromMinutes(1), "Gateway:SessionStarts:MaxWait must be positive and at most a minute")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionStartOptions>, SessionStartOptionsValidator>();
        services.AddSingleton<SessionStartAdmission>();
        services.AddOptions<GatewayTicketOptions>().Bind(builder.Configuration.GetSection(GatewayTicketOptions.Section))
            .Validate(TicketSignatureCheck.IsAcceptable, "Tickets:SigningKey must be base64 of at least 32 bytes")
            .ValidateOnStart();
        services.AddSingleton<TicketSignatureCheck>();
        services.AddSingleton<GatewayIdentity>();
        services.AddSingleton<GatewayEndpoints>();
        services.AddHostedService<GatewayReadyLog>();
        services.AddSingleton<SessionRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionRegistry>());
        services.AddSingleton<BroadcastPacer>();
        services.AddHostedService(sp => sp.GetRequiredService<BroadcastPacer>());
        services.AddSingleton<GatewayObserver>();
        services.AddSingleton<DeliveryStats>();
        services.AddHostedService<GatewayObserverRegistration>();
        services.AddSingleton<GrainRefs>();
        services.AddSingleton<GatewayHandlers>();
        services.AddSingleton<WorldHandlers>();
        services.AddSingleton<GmHandlers>();
        services.AddSingleton<WorldList>();
        services.AddOptions<ClientBuildOptions>().Bind(builder.Configuration.GetSection(ClientBuildOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClientBuildOptions>, ClientBuildOptionsValidator>();
        services.AddSingleton<AddressBans>();
        services.AddSingleton<ClusterShutdown>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OpcodeTable>();
        services.AddSingleton<RequestRouter>();
        services.AddSingleton<SessionHost>();
        // After Kestrel's socket transport: Kestrel asks the last registered first, and this one binds only the game port.
        services.AddSingleton<IConnectionListenerFactory, GameListenerFactory>();
        services.AddOptions<GatewayWebSocketOptions>().Bind(builder.Configuration.GetSection(GatewayWebSocketOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayWebSocketOptions>, GatewayWebSocketOptionsValidator>();
        services.AddSingleton<IValidateOptions<GatewayWebSocketOptions>, GatewayWebSocketOptionsAttributeValidator>();
        services.AddSingleton<WebSocketGameEndpoint>();
        services.AddOptions<FireflyOptions>().Bind(builder.Configuration.GetSection(FireflyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FireflyOptions>, FireflyOptionsValidator>();
        services.AddSingleton<IValidateOptions<FireflyOptions>, FireflyOptionsAttributeValidator>();
        services.AddHealthChecks();

        services.AddOptions<SocketTransportOptions>().Configure<IOptions<GatewayOptions>>((sockets, gateway) =>
        {
            if (gateway.Value.SocketSendBufferBytes is > 0 and var bytes)
            {
                // Set on the listening socket, inherited by every accepted one (and fixed there: no autotuning).
                sockets.CreateBoundListenSocket = endpoint =>
                {
                    var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                    socket.SendBufferSize = bytes;
                    return socket;
                };
            }
        });

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
            var webSocket = kestrel.ApplicationServices.GetRequiredService<IOptions<GatewayWebSocketOptions>>().Value;
            var endpoints = kestrel.ApplicationServices.GetRequiredService<GatewayEndpoints>();
            // The PROXY header comes first on the wire (the balancer passes TLS through), so it is read first.
            var proxyProtocol = kestrel.ApplicationServices.GetRequiredService<ProxyProtocolMiddleware>();
            void UseProxyProtocol(ListenOptions listen)
            {
                if (proxyProtocol.Enabled)
                {
                    listen.Use(next => connection => proxyProtocol.OnConnectionAsync(connection, next));
                }
            }

            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            // Floods are refused at accept where the notice can go in clear.
            var gamePort = options.RefuseFloodsAtAccept && !options.Tls.Enabled
                ? new GameListenEndPoint(IPAddress.Parse(options.ListenAddress), options.Port)
                : new IPEndPoint(IPAddress.Parse(options.ListenAddress), options.Port);
            kestrel.Listen(gamePort, listen =>
            {
                UseProxyProtocol(listen);
                if (options.Tls.Enabled)
                {
                    // Validated at start (GatewayAddressRulesValidator): it loads.
                    _ = GatewayTls.TryLoad(options.Tls, out var certificate);
                    listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        HandshakeTimeout = options.Tls.HandshakeTimeout,
                    });
                }

                listen.UseConnectionHandler<GameConnectionHandler>();
                endpoints.Game = listen;
            });
            if (webSocket.Enabled)
            {
                // Browsers open ws:// with an HTTP/1.1 upgrade.
                kestrel.Listen(IPAddress.Parse(options.ListenAddress), webSocket.Port, listen =>
                {
                    UseProxyProtocol(listen);
                    listen.Protocols = HttpProtocols.Http1;
                    endpoints.Web = listen;
                });
            }
            var firefly = kestrel.ApplicationServices.GetRequiredService<IOptions<FireflyOptions>>().Value;
            if (firefly.Port is { } fireflyPort)
            {
                kestrel.Listen(IPAddress.Parse(options.ListenAddress), fireflyPort, listen =>
                {
                    listen.UseConnectionHandler<FireflyDoor>();
                    endpoints.Firefly = listen;
                });
            }

            kestrel.Listen(IPAddress.Parse(options.AdminAddress), options.AdminPort, listen => endpoints.Admin = listen);
        });
        return builder;
    }

    /// <summary>
    /// The gateway's part in the cluster: heartbeats to the gateway registry (its address and load),
    /// the cached list of the other gateways handed to clients, draining, and readiness.
    /// </summary>
    public static WebApplicationBuilder AddMmoGatewayRegistry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewayClusterOptions>().Bind(builder.Configuration.GetSection(GatewayClusterOptions.Section))
            .Validate(o => o.RegistryHeartbeatInterval > TimeSpan.Zero, "Gateway:RegistryHeartbeatInterval must be positive")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayClusterOptions>, GatewayClusterOptionsValidator>();
        services.AddOptions<AdminOptions>().Bind(builder.Configuration.GetSection(AdminOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayDirectory>();
        services.AddSingleton<GatewayRegistryHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayRegistryHeartbeat>());
        services.AddSingleton<GatewayDrain>();
        services.AddSingleton<AdminKeyFilter>();
        services.AddHealthChecks().AddCheck<GatewayReadiness>("cluster", tags: [GatewayReadiness.Tag]);
        return builder;
    }

    /// <summary>
    /// The gateway's instruments (<see cref="GatewayMetrics"/>) with Kestrel's connection metrics, exported
    /// on <c>/metrics</c> and optionally over OTLP.
    /// </summary>
    public static WebApplicationBuilder AddMmoGatewayMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayMetrics>();
        return builder.AddMmoTelemetry("orleansmmo-gateway", GatewayMetrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel");
    }

    /// <summary>
    /// The public web port (<see cref="GatewayWebSocketOptions.Port"/>): the game over WebSocket at
    /// <see cref="GatewayWebSocketOptions.Path"/> and the browser client's files. Requests on this port go
    /// nowhere else: health, metrics and admin endpoints answer only on the loopback admin port.
    /// </summary>
    public static WebApplication UseMmoGatewayWeb(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<GatewayWebSocketOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        var endpoints = app.Services.GetRequiredService<GatewayEndpoints>();
        var game = app.Services.GetRequiredService<WebSocketGameEndpoint>();
        app.MapWhen(context => context.Connection.LocalPort == endpoints.WebPort, web =>
        {
            // Pings at the WebSocket level keep proxies from dropping quiet connections; the game's own
            // idle timeout still counts only frames the client sends.
            web.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
            if (options.ServeBrowserClient)
            {
                web.UseDefaultFiles();
                web.UseStaticFiles();
            }

            web.Run(context => context.Request.Path == options.Path ? game.HandleAsync(context) : NotFound(context));
        });
        return app;

        static Task NotFound(HttpContext context)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
    }

    /// <summary>Liveness: the process answers. Readiness: worth sending clients to (see <see cref="GatewayReadiness"/>).</summary>
    public static WebApplication MapMmoGatewayHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(GatewayReadiness.Tag) });
        return app;
    }

    /// <summary>Admin actions on the admin port, each behind <see cref="AdminKeyFilter"/>.</summary>
    public static WebApplication MapMmoGatewayAdmin(this WebApplication app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter<AdminKeyFilter>();
        admin.MapPost("/drain", (GatewayDrain drain, CancellationToken cancellationToken) => drain.DrainAsync(cancellationToken));
        admin.MapPost("/undrain", (GatewayDrain drain, CancellationToken cancellationToken) => drain.ResumeAsync(cancellationToken));
        admin.MapGet("/gateways", (GatewayDirectory directory) => directory.Live.Select(g => new
        {
            g.GatewayId,
            g.PublicHost,
            g.PublicPort,
            g.Connections,
            g.InWorld,
            g.Draining,
            g.LastSeen,
        }));
        // Accounts from a system being migrated (a Firefly deployment), with the passwords it allowed.
        admin.MapPost("/accounts/import", async (AccountImportRequest request, IGrainFactory grains) =>
        {
            if (request.Accounts is not { Count: > 0 and <= AccountImportRequest.MaxAccounts })
            {
                return Results.Problem($"accounts: 1 to {AccountImportRequest.MaxAccounts} per request", statusCode: StatusCodes.Status400BadRequest);
            }

            var results = new List<AccountImportResult>(request.Accounts.Count);
            foreach (var account in request.Accounts)
            {
                var outcome = await grains.GetGrain<IAccountGrain>(AccountKeys.ForUsername(account.Username ?? ""))
                    .ImportLegacy(account.Username ?? "", account.Password ?? "");
                results.Add(outcome.TryGetValue(out var accountId, out var failure)
                    ? new AccountImportResult(account.Username ?? "", "imported", accountId.ToString())
                    : new AccountImportResult(account.Username ?? "", failure.Error.ToString(), null));
            }

            return Results.Ok(new { imported = results.Count(r => r.Result == "imported"), results });
        });
        // A system announcement to every online player, on every gateway.
        admin.MapPost("/announce", async (AnnouncementRequest request, IGrainFactory grains) =>
        {
            // The same characters are refused as in players' chat: an operator's line must not be a vehicle
            // for fake lines or reversed text either (a pasted bidi override would garble every window).
            if (!ChatText.IsAcceptable(request.Text, AnnouncementRequest.MaxLength))
            {
                return Results.Problem($"text is required, at most {AnnouncementRequest.MaxLength} characters, without control, separator, bidi or zero-width characters", statusCode: StatusCodes.Status400BadRequest);
            }

            var line = new ChatLine(ChatChannel.System, Guid.Empty, "", request.Text, DateTimeOffset.UtcNow, "");
            await grains.GetGrain<IWorldChatGrain>(0).Broadcast(line);
            return Results.NoContent();
        });
        return app;
    }

    /// <summary>Keeps trying to reach the cluster (a gateway may start before the silos) until the host stops.</summary>
    private sealed partial class RetryUntilStopped(ILogger<RetryUntilStopped> logger) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            LogRetrying(logger, exception.Message);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return !cancellationToken.IsCancellationRequested;
        }

        [LoggerMessage(EventId = LogEvents.ClusterConnectRetrying, Level = LogLevel.Warning, Message = "Cluster not reachable yet ({Reason}); retrying")]
        private static partial void LogRetrying(ILogger logger, string reason);
    }
}

/// <summary>Body of <c>POST /admin/accounts/import</c>: accounts of a migrated system, passwords in clear (hashed on arrival).</summary>
public sealed record AccountImportRequest(List<ImportedAccount>? Accounts)
{
    public const int MaxAccounts = 1000;
}

public sealed record ImportedAccount(string? Username, string? Password);

/// <summary>One account's outcome: <c>imported</c> (with its id) or why not (<c>UsernameTaken</c>, <c>PasswordInvalid</c>, ...: a <c>GameError</c>).</summary>
public sealed record AccountImportResult(string Username, string Result, string? AccountId);

/// <summary>Body of <c>POST /admin/announce</c>.</summary>
public sealed record AnnouncementRequest(string Text)
{
    public const int MaxLength = 1000;
}

/// <summary>The endpoints Kestrel bound; with port 0 configured, the real port is known only after start.</summary>
public sealed class GatewayEndpoints
{
    public ListenOptions? Game { get; set; }

    public ListenOptions? Admin { get; set; }

    /// <summary>The Firefly door, when configured.</summary>
    public ListenOptions? Firefly { get; set; }

    public int FireflyPort => Firefly?.IPEndPoint?.Port ?? 0;

    /// <summary>The WebSocket and browser client port, when enabled.</summary>
    public ListenOptions? Web { get; set; }

    public int GamePort => Game?.IPEndPoint?.Port ?? 0;

    /// <summary>-1 when the web port is disabled, so no request's port matches it.</summary>
    public int WebPort => Web?.IPEndPoint?.Port ?? -1;
}
