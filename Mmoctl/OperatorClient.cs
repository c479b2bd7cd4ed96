using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansMmo.Mmoctl;

/// <summary>One request to the operator API: <c>{ outcome, message, value }</c> back, or why there is no answer.</summary>
public sealed record ApiAnswer(int Status, string Outcome, string Message, JsonElement Value)
{
    public bool IsOk => Outcome == "ok";
}

/// <summary>The silo's operator API over HTTP, with the key in <c>X-Admin-Key</c>.</summary>
public sealed class OperatorClient(HttpClient http)
{
    public const string KeyHeader = "X-Admin-Key";

    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        JsonElement json;
        try
        {
            json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return new ApiAnswer(status, "failed", $"HTTP {status}: {text}", default);
        }

        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("outcome", out var outcome))
        {
            return new ApiAnswer(status, outcome.GetString() ?? "", json.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "",
                json.TryGetProperty("value", out var v) ? v : default);
        }

        // Not an operator answer: a refused key (problem details) or an endpoint that answers its value plainly.
        if (status is >= 200 and < 300)
        {
            return new ApiAnswer(status, "ok", "", json);
        }

        var detail = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("detail", out var d) ? d.GetString() : text;
        return new ApiAnswer(status, status == 401 ? "unauthorized" : status == 403 ? "forbidden" : "failed", $"HTTP {status}: {detail}", default);
    }
}
