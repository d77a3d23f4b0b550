using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IdP.Server.Administration;

/// <summary>
/// Writes a command's result: aligned text for people, or with <c>--json</c> one JSON document and nothing else,
/// so that <c>... --json | jq</c> always parses.
/// </summary>
public sealed class CommandOutput(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public bool IsJson => json;

    /// <summary>Writes <paramref name="data"/> as JSON, or calls <paramref name="human"/> to describe it.</summary>
    public void Write<T>(T data, Action human)
    {
        if (json)
        {
            writer.WriteLine(JsonSerializer.Serialize(data, JsonOptions));
        }
        else
        {
            human();
        }
    }

    /// <summary>For results that are another document plus a few fields (a client and its new secret).</summary>
    public static JsonObject ToJsonObject<T>(T data) => JsonSerializer.SerializeToNode(data, JsonOptions)!.AsObject();

    public void Line(string text = "") => writer.WriteLine(text);

    /// <summary>Text written as it is, for output that is itself a document (exported ESM commands).</summary>
    public void Text(string text) => writer.Write(text);

    /// <summary><c>key: value</c> lines with the values aligned.</summary>
    public void Fields(params (string Key, string? Value)[] fields)
    {
        var width = fields.Max(f => f.Key.Length) + 2;
        foreach (var (key, value) in fields)
        {
            writer.WriteLine((key + ":").PadRight(width) + (string.IsNullOrEmpty(value) ? "-" : value));
        }
    }

    /// <summary>A table with a header row and columns padded to their widest cell; <paramref name="empty"/> when there are no rows.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows, string empty)
    {
        var cells = rows.Select(r => r.Select(c => string.IsNullOrEmpty(c) ? "-" : c).ToList()).ToList();
        if (cells.Count == 0)
        {
            writer.WriteLine(empty);
            return;
        }

        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Max(r => r[i].Length))).ToList();
        writer.WriteLine(FormatRow(headers, widths));
        foreach (var row in cells)
        {
            writer.WriteLine(FormatRow(row, widths));
        }
    }

    public static string Date(DateTimeOffset? value)
        => value is { } date ? date.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string List(IEnumerable<string> values, string separator = ", ")
        => string.Join(separator, values) is { Length: > 0 } joined ? joined : "-";

    private static string FormatRow(IReadOnlyList<string> row, List<int> widths)
        => string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i])));
}
