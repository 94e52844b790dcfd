using System.Text;
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
        if (tags.Count == 0) return "[]";
        if (AllPlain(tags)) return WritePlain(tags);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var t in tags) w.WriteStringValue(t);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static string[] Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
    }

    // Ingest writes one array per document; the usual tag (ASCII letters, digits, a few separators)
    // needs no escaping, so it is written directly (the same text Utf8JsonWriter produces for it)
    // instead of through a stream and a writer per document.
    private static string WritePlain(IReadOnlyList<string> tags)
    {
        var sb = new StringBuilder(2 + tags.Count * 16);
        sb.Append('[');
        for (int i = 0; i < tags.Count; i++) sb.Append(i == 0 ? "\"" : ",\"").Append(tags[i]).Append('"');
        return sb.Append(']').ToString();
    }

    private static bool AllPlain(IReadOnlyList<string> tags)
    {
        foreach (var t in tags)
            foreach (char c in t)
                if (!(char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '-' or '.' or ':')) return false;
        return true;
    }
}
