using System.CommandLine;
using System.Globalization;

namespace OrleansMmo.Mmoctl;

/// <summary>
/// mmoctl: every operator action of the silos' operator API from a shell. The key comes from
/// <c>MMO_ADMIN_KEY</c> (or <c>--key</c>; the environment keeps it out of the process list and the
/// shell history), the silo from <c>MMO_ADMIN_URL</c> (or <c>--url</c>, default http://127.0.0.1:8080).
/// Answers print as tables, or as the API's JSON with <c>--json</c>. Exit codes: 0 done, 1 refused or
/// failed (the message says why), 2 the API could not be asked (address, key, usage).
/// </summary>
public static class Program
{
    public const string KeyVariable = "MMO_ADMIN_KEY";
    public const string UrlVariable = "MMO_ADMIN_URL";

    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>Runs one command line, writing to <paramref name="output"/> and <paramref name="error"/> (tests pass their own).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Create(output, error);
        var parse = root.Parse(args);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    /// <summary>
    /// Builds the command tree. Every symbol is made anew per tree: a symbol remembers the commands it
    /// was added to, so sharing one across trees (static fields) mixes up their parses.
    /// </summary>
    public static RootCommand Create(TextWriter output, TextWriter error)
    {
        var common = new CommonOptions(
            new Option<string?>("--url") { Description = $"The silo's admin address (default ${UrlVariable}, else http://127.0.0.1:8080)", Recursive = true },
            new Option<string?>("--key") { Description = $"The operator key (default ${KeyVariable})", Recursive = true },
            new Option<bool>("--json") { Description = "Print the API's JSON instead of tables", Recursive = true });
        var run = new Runner(output, error, common);
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log)" };
        var minutes = new Option<double?>("--minutes") { Description = "How long, in minutes (a ban without it lasts until lifted)" };
        var world = new Option<string?>("--world") { Description = "World id" };

        var username = new Argument<string>("username");
        var worldArg = new Argument<string>("world");
        var name = new Argument<string>("name");
        var cidr = new Argument<string>("cidr") { Description = "An address, or a range such as 203.0.113.0/24" };

        var root = new RootCommand("mmoctl: operate an OrleansMmo cluster through a silo's operator API.") { common.Url, common.Key, common.Json };

        root.Add(run.Command("whoami", "The key's name and role", _ => (HttpMethod.Get, "/api/whoami", null)));

        var account = new Command("account", "Look up an account: role, ban, characters, play time, recent sessions") { username };
        account.SetAction((p, ct) => run.CallAsync(p, HttpMethod.Get, $"/api/accounts/{Esc(p.GetValue(username))}", null, ct));
        root.Add(account);

        var player = new Command("player", "Look up a character: online, zone, position, gateway, level, gold, items, and its account") { worldArg, name };
        player.SetAction((p, ct) => run.CallAsync(p, HttpMethod.Get, $"/api/characters/{Esc(p.GetValue(worldArg))}/{Esc(p.GetValue(name))}", null, ct));
        root.Add(player);

        var search = new Option<string?>("--search") { Description = "A prefix of the character or user name" };
        var offset = new Option<int>("--offset") { DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { DefaultValueFactory = _ => 50 };
        root.Add(run.Command("online", "Characters in the world now, paged", p =>
            (HttpMethod.Get, Query("/api/online", ("world", p.GetValue(world)), ("search", p.GetValue(search)),
                ("offset", Str(p.GetValue(offset))), ("limit", Str(p.GetValue(limit)))), null), world, search, offset, limit));

        var kick = new Command("kick", "Kick an account's session, or a character's");
        kick.Add(run.Command("account", "Kick an account", p => (HttpMethod.Post, $"/api/accounts/{Esc(p.GetValue(username))}/kick", new { reason = p.GetValue(reason) }), username, reason));
        kick.Add(run.Command("character", "Kick the account playing a character", p =>
            (HttpMethod.Post, $"/api/characters/{Esc(p.GetValue(worldArg))}/{Esc(p.GetValue(name))}/kick", new { reason = p.GetValue(reason) }), worldArg, name, reason));
        root.Add(kick);

        var ban = new Command("ban", "Ban an account or an address range (kicks it)");
        ban.Add(run.Command("account", "Ban an account", p => (HttpMethod.Post, $"/api/accounts/{Esc(p.GetValue(username))}/ban",
            new { minutes = p.GetValue(minutes), reason = p.GetValue(reason) }), username, minutes, reason));
        ban.Add(run.Command("address", "Ban an address range (admin)", p => (HttpMethod.Post, "/api/bans/addresses",
            new { cidr = p.GetValue(cidr), minutes = p.GetValue(minutes), reason = p.GetValue(reason) }), cidr, minutes, reason));
        ban.Add(run.Command("list", "The address bans in force", _ => (HttpMethod.Get, "/api/bans/addresses", null)));
        root.Add(ban);

        var unban = new Command("unban", "Lift a ban");
        unban.Add(run.Command("account", "Lift an account's ban", p => (HttpMethod.Post, $"/api/accounts/{Esc(p.GetValue(username))}/unban", null), username));
        unban.Add(run.Command("address", "Lift an address range's ban (admin)", p => (HttpMethod.Delete, Query("/api/bans/addresses", ("cidr", p.GetValue(cidr))), null), cidr));
        root.Add(unban);

        var muteMinutes = new Option<double>("--minutes") { Description = "How long, in minutes", Required = true };
        root.Add(run.Command("mute", "Refuse a character's chat for a while", p => (HttpMethod.Post,
            $"/api/characters/{Esc(p.GetValue(worldArg))}/{Esc(p.GetValue(name))}/mute", new { minutes = p.GetValue(muteMinutes), reason = p.GetValue(reason) }),
            worldArg, name, muteMinutes, reason));
        root.Add(run.Command("unmute", "Let a character chat again", p => (HttpMethod.Post, $"/api/characters/{Esc(p.GetValue(worldArg))}/{Esc(p.GetValue(name))}/unmute", null), worldArg, name));

        var zone = new Option<string?>("--zone") { Description = "Zone id (default: the character's own)" };
        var x = new Option<float?>("--x");
        var y = new Option<float?>("--y");
        var to = new Option<string?>("--to") { Description = "Go next to this character of the same world instead" };
        root.Add(run.Command("teleport", "Move a character to a place, or to another character", p => (HttpMethod.Post,
            $"/api/characters/{Esc(p.GetValue(worldArg))}/{Esc(p.GetValue(name))}/teleport",
            new { zone = p.GetValue(zone), x = p.GetValue(x), y = p.GetValue(y), toCharacter = p.GetValue(to) }), worldArg, name, zone, x, y, to));

        var item = new Option<string?>("--item") { Description = "Item id from the game data" };
        var count = new Option<int>("--count") { Description = "How many (negative takes)", DefaultValueFactory = _ => 0 };
        var gold = new Option<long>("--gold") { Description = "Gold (negative takes)", DefaultValueFactory = _ => 0 };
        root.Add(run.Command("grant", "Give (or take) items and gold (admin)", p => (HttpMethod.Post,
            $"/api/characters/{Esc(p.GetValue(worldArg))}/{Esc(p.GetValue(name))}/grant",
            new { itemId = p.GetValue(item), count = p.GetValue(count), gold = p.GetValue(gold), reason = p.GetValue(reason) }), worldArg, name, item, count, gold, reason));

        var role = new Argument<string>("role") { Description = "player, game_master or admin" };
        root.Add(run.Command("role", "Set an account's role (admin)", p => (HttpMethod.Put, $"/api/accounts/{Esc(p.GetValue(username))}/role", new { role = p.GetValue(role) }), username, role));

        var text = new Argument<string>("text");
        root.Add(run.Command("announce", "A SYSTEM line to every online player", p => (HttpMethod.Post, "/api/announce", new { text = p.GetValue(text) }), text));

        var target = new Option<string?>("--target") { Description = "account:NAME, character:WORLD/NAME, address:CIDR, world:ID" };
        var operatorName = new Option<string?>("--operator") { Description = "key:NAME or account:NAME" };
        var action = new Option<string?>("--action");
        var from = new Option<string?>("--from") { Description = "ISO time (audit) or date (stats)" };
        var until = new Option<string?>("--to") { Description = "ISO time (audit) or date (stats)" };
        var before = new Option<long?>("--before") { Description = "Entries older than this id: the next page" };
        root.Add(run.Command("audit", "Search the audit log, newest first", p => (HttpMethod.Get, Query("/api/audit",
            ("target", p.GetValue(target)), ("operator", p.GetValue(operatorName)), ("action", p.GetValue(action)), ("from", p.GetValue(from)),
            ("to", p.GetValue(until)), ("limit", Str(p.GetValue(limit))), ("before", p.GetValue(before)?.ToString(CultureInfo.InvariantCulture))), null),
            target, operatorName, action, from, until, limit, before));

        root.Add(run.Command("stats", "Daily distinct players, peak online and play time per world (UTC days)", p => (HttpMethod.Get,
            Query("/api/stats/daily", ("from", p.GetValue(from)), ("to", p.GetValue(until)), ("world", p.GetValue(world))), null), from, until, world));

        var worlds = new Command("worlds", "Worlds with status, population and queue");
        worlds.SetAction((p, ct) => run.CallAsync(p, HttpMethod.Get, "/api/worlds", null, ct));
        var capacity = new Option<int?>("--capacity");
        var maintenance = new Option<string?>("--maintenance") { Description = "on or off" };
        var kickPlayers = new Option<bool>("--kick-players") { Description = "With maintenance on: kick everyone but game masters" };
        worlds.Add(run.Command("set", "Change a world's capacity or maintenance (admin)", p => (HttpMethod.Put, $"/api/worlds/{Esc(p.GetValue(worldArg))}",
            new { capacity = p.GetValue(capacity), maintenance = OnOff(p.GetValue(maintenance)), kickPlayers = p.GetValue(kickPlayers) }),
            worldArg, capacity, maintenance, kickPlayers));
        root.Add(worlds);

        var gateway = new Argument<string>("gateway") { Description = "Gateway id" };
        root.Add(run.Command("gateways", "Live gateways and their load", _ => (HttpMethod.Get, "/api/gateways", null)));
        root.Add(run.Command("drain", "Drain a gateway: its players move to the others (admin)", p => (HttpMethod.Post, $"/api/gateways/{Esc(p.GetValue(gateway))}/drain", null), gateway));
        root.Add(run.Command("undrain", "Take a drained gateway back (admin)", p => (HttpMethod.Post, $"/api/gateways/{Esc(p.GetValue(gateway))}/undrain", null), gateway));

        root.Add(run.Command("reload", "Reload the game data on every silo, checked first (admin)", _ => (HttpMethod.Post, "/api/gamedata/reload", null)));

        var shutdown = new Command("shutdown", "Schedule a cluster shutdown with a countdown announced to players (admin)");
        var seconds = new Option<double>("--in") { Description = "Seconds from now", DefaultValueFactory = _ => 300 };
        var message = new Option<string?>("--message") { Description = "Added to every announcement" };
        shutdown.Add(seconds);
        shutdown.Add(message);
        shutdown.SetAction((p, ct) => run.CallAsync(p, HttpMethod.Post, "/api/shutdown", new { inSeconds = p.GetValue(seconds), message = p.GetValue(message) }, ct));
        shutdown.Add(run.Command("cancel", "Call off a scheduled shutdown", _ => (HttpMethod.Delete, "/api/shutdown", null)));
        shutdown.Add(run.Command("status", "The shutdown's phase and time", _ => (HttpMethod.Get, "/api/shutdown", null)));
        root.Add(shutdown);
        return root;
    }

    private static string Esc(string? value) => Uri.EscapeDataString(value ?? "");

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool? OnOff(string? value) => value?.ToLowerInvariant() switch
    {
        null => null,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        _ => throw new FormatException("--maintenance takes on or off"),
    };

    private static string Query(string path, params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? path : path + "?" + string.Join('&', given);
    }

    private sealed record CommonOptions(Option<string?> Url, Option<string?> Key, Option<bool> Json);

    /// <summary>Builds commands whose action is one API call, and prints the answers.</summary>
    private sealed class Runner(TextWriter output, TextWriter error, CommonOptions common)
    {
        public Command Command(string name, string description, Func<ParseResult, (HttpMethod Method, string Path, object? Body)> request, params Symbol[] symbols)
        {
            var command = new Command(name, description);
            foreach (var symbol in symbols)
            {
                switch (symbol)
                {
                    case Argument argument:
                        command.Add(argument);
                        break;
                    case Option option:
                        command.Add(option);
                        break;
                }
            }

            command.SetAction(async (p, ct) =>
            {
                (HttpMethod Method, string Path, object? Body) call;
                try
                {
                    call = request(p);
                }
                catch (FormatException ex)
                {
                    await error.WriteLineAsync(ex.Message);
                    return 2;
                }

                return await CallAsync(p, call.Method, call.Path, call.Body, ct);
            });
            return command;
        }

        public async Task<int> CallAsync(ParseResult parse, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
        {
            var key = parse.GetValue(common.Key) ?? Environment.GetEnvironmentVariable(KeyVariable);
            var url = parse.GetValue(common.Url) ?? Environment.GetEnvironmentVariable(UrlVariable) ?? "http://127.0.0.1:8080";
            if (string.IsNullOrEmpty(key))
            {
                await error.WriteLineAsync($"no key: set {KeyVariable} (or pass --key)");
                return 2;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress))
            {
                await error.WriteLineAsync($"--url '{url}' is not an absolute URL");
                return 2;
            }

            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Add(OperatorClient.KeyHeader, key);
            ApiAnswer answer;
            try
            {
                answer = await new OperatorClient(http).SendAsync(method, path, body, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                await error.WriteLineAsync($"{baseAddress}: {ex.Message}");
                return 2;
            }

            if (parse.GetValue(common.Json))
            {
                await output.WriteLineAsync(answer.Value.ValueKind == System.Text.Json.JsonValueKind.Undefined
                    ? $"{{\"outcome\":\"{answer.Outcome}\",\"message\":{System.Text.Json.JsonSerializer.Serialize(answer.Message)}}}"
                    : Render.Json(answer.Value));
            }
            else if (answer.IsOk)
            {
                var value = answer.Value;
                var plain = value.ValueKind is System.Text.Json.JsonValueKind.Undefined
                    || (value.ValueKind == System.Text.Json.JsonValueKind.Object && value.TryGetProperty("what", out _) && value.EnumerateObject().Count() == 1);
                await output.WriteAsync(plain ? answer.Message + Environment.NewLine : Render.Text(value));
            }

            if (!answer.IsOk)
            {
                await error.WriteLineAsync($"{answer.Outcome}: {answer.Message}");
                return answer.Outcome is "unauthorized" ? 2 : 1;
            }

            return 0;
        }
    }
}
