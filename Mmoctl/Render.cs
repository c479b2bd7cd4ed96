using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OrleansMmo.Mmoctl;

/// <summary>Answers as readable text: arrays of objects as tables, objects as aligned "name: value" lines.</summary>
public static class Render
{
    /// <summary>Longest cell of a table; longer values are cut with an ellipsis.</summary>
    private const int MaxCell = 48;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Json(JsonElement value) => JsonSerializer.Serialize(value, Indented);

    public static string Text(JsonElement value)
    {
        var text = new StringBuilder();
        Write(text, value, "");
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonElement value, string indent)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object):
                Table(text, [.. value.EnumerateArray()], indent);
                break;
            case JsonValueKind.Array:
                text.Append(indent).AppendLine(string.Join(", ", value.EnumerateArray().Select(Scalar)));
                break;
            case JsonValueKind.Object:
                var width = value.EnumerateObject().Select(p => p.Name.Length).DefaultIfEmpty(0).Max();
                foreach (var property in value.EnumerateObject())
                {
                    if (property.Value.ValueKind is JsonValueKind.Object || (property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() > 0
                        && property.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object)))
                    {
                        text.Append(indent).Append(property.Name).AppendLine(":");
                        Write(text, property.Value, indent + "  ");
                    }
                    else
                    {
                        text.Append(indent).Append(property.Name.PadRight(width)).Append("  ").AppendLine(Scalar(property.Value));
                    }
                }

                break;
            case JsonValueKind.Undefined:
                break;
            default:
                text.Append(indent).AppendLine(Scalar(value));
                break;
        }
    }

    /// <summary>Columns: every property with a plain value, in the order the first rows name them.</summary>
    private static void Table(StringBuilder text, IReadOnlyList<JsonElement> rows, string indent)
    {
        if (rows.Count == 0)
        {
            text.Append(indent).AppendLine("(none)");
            return;
        }

        var columns = new List<string>();
        foreach (var row in rows)
        {
            foreach (var property in row.EnumerateObject())
            {
                if (property.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) && !columns.Contains(property.Name))
                {
                    columns.Add(property.Name);
                }
            }
        }

        var cells = rows.Select(r => columns.Select(c => Cut(r.TryGetProperty(c, out var v) ? Scalar(v) : "")).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, cells.Max(r => r[i].Length))).ToArray();
        text.Append(indent).AppendLine(string.Join("  ", columns.Select((c, i) => c.ToUpperInvariant().PadRight(widths[i]))).TrimEnd());
        foreach (var row in cells)
        {
            text.Append(indent).AppendLine(string.Join("  ", row.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null or JsonValueKind.Undefined => "-",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        _ => value.GetRawText(),
    };

    private static string Cut(string value) => value.Length <= MaxCell ? value : string.Concat(value.AsSpan(0, MaxCell - 1), "…");

    public static string Count(int count, string what) => string.Create(CultureInfo.InvariantCulture, $"{count} {what}");
}
