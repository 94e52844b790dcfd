using System.Text.Json;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// The `tags` column: a JSON array of strings. Written and read with the low-level JSON APIs so the
/// library works where reflection-based serialization is disabled (trimmed / AOT hosts).
/// </summary>
internal static class TagListJson
{
    public static string Write(IReadOnlyList<string> tags)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var t in tags) w.WriteStringValue(t);
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static string[] Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
    }
}
