namespace OrleansMmo.Benchmarks.Hosting;

/// <summary>
/// The silo's operator API as the benchmarks use it, with the admin key they give the silo (<c>Admin:Key</c>):
/// the default world and its capacity, which the queue benchmark moves and the session-starts benchmark opens wide.
/// </summary>
public sealed class OperatorApi : IDisposable
{
    private readonly HttpClient _http;

    public OperatorApi(int adminPort, string adminKey)
    {
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Add("X-Admin-Key", adminKey);
    }

    /// <summary>The id of the world new characters are made in.</summary>
    public async Task<string> DefaultWorldAsync(CancellationToken cancellationToken) =>
        (await _http.GetFromJsonAsync<ApiAnswer<List<WorldRow>>>("/api/worlds", cancellationToken))!.Value!.First(w => w.IsDefault).WorldId;

    public async Task SetCapacityAsync(string world, int capacity, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync($"/api/worlds/{world}", new { capacity }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();

    private sealed record ApiAnswer<T>(string Outcome, string Message, T? Value);

    private sealed record WorldRow(string WorldId, bool IsDefault);
}
