using System.Net.Http.Json;
using System.Text.Json;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Operations;

/// <summary>
/// A silo and a gateway with operator keys of both roles, fast registry heartbeats and session sweeps,
/// for the operator API, GM requests and session records.
/// </summary>
public sealed class OperationsCluster : GameCluster
{
    public const string AdminKey = "ops-tests-admin-key-0123456789";
    public const string GameMasterKey = "ops-tests-gm-key-0123456789";

    /// <summary>Short, so a dead gateway's sessions close within a test; still three heartbeats.</summary>
    public static readonly TimeSpan RegistryExpiry = TimeSpan.FromSeconds(1.5);

    protected override IEnumerable<(string Key, string Value)> SiloSettings =>
    [
        ("Admin:Keys:0:Name", "ops-admin"),
        ("Admin:Keys:0:Key", AdminKey),
        ("Admin:Keys:0:Role", "Admin"),
        ("Admin:Keys:1:Name", "ops-gm"),
        ("Admin:Keys:1:Key", GameMasterKey),
        ("Admin:Keys:1:Role", "GameMaster"),
        ("GatewayRegistry:Expiry", RegistryExpiry.ToString()),
        ("GatewayRegistry:SessionSweepInterval", "00:00:00.5"),
        // Two turns per 200 ms tick, so a test can see a capacity raise handed out in steps (LoginQueueTests).
        ("World:QueueTurnsPerSecond", LoginQueueTurnsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    public const int LoginQueueTurnsPerSecond = 10;

    protected override IEnumerable<(string Key, string Value)> GatewaySettings =>
    [
        ("Gateway:RegistryHeartbeatInterval", "00:00:00.5"),
    ];

    /// <summary>The silo's operator API with <paramref name="key"/> (none: no key header).</summary>
    public OperatorHttp Api(string? key = AdminKey) => new(AdminPortOf(Silo), key);
}

[CollectionDefinition(Name)]
public sealed class OperationsClusterCollection : ICollectionFixture<OperationsCluster>
{
    public const string Name = "operations cluster";
}

/// <summary>The operator API over real HTTP: answers are <c>{ outcome, message, value }</c>.</summary>
public sealed class OperatorHttp : IDisposable
{
    public OperatorHttp(int port, string? key)
    {
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            Client.DefaultRequestHeaders.Add("X-Admin-Key", key);
        }
    }

    public HttpClient Client { get; }

    public Task<Answer> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<Answer> PostAsync(string path, object? body = null) => SendAsync(HttpMethod.Post, path, body);

    public Task<Answer> PutAsync(string path, object body) => SendAsync(HttpMethod.Put, path, body);

    public Task<Answer> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    private async Task<Answer> SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Answer((int)response.StatusCode, json, text);
    }

    public void Dispose() => Client.Dispose();

    public sealed record Answer(int Status, JsonElement Json, string Text)
    {
        public string Outcome => Json.GetProperty("outcome").GetString()!;

        public JsonElement Value => Json.GetProperty("value");

        public override string ToString() => $"{Status} {Text}";
    }
}
