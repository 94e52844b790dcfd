using System.Text.Json;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// BEIR corpus.jsonl: one object per line with "_id" and "text", optional "title", "tags" (array of
/// strings) and "metadata" (object, stored as JSON). Blank lines are ignored.
/// </summary>
public static class JsonlCorpusReader
{
    public static IEnumerable<CorpusEntry> Read(string path)
    {
        foreach (var (line, text) in Utf8LineReader.ReadLines(path))
        {
            if (text is null) { yield return CorpusEntry.Bad(path, line, Utf8LineReader.InvalidUtf8Message); continue; }
            if (string.IsNullOrWhiteSpace(text)) continue;
            yield return Parse(path, line, text);
        }
    }

    private static CorpusEntry Parse(string path, int line, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return CorpusEntry.Bad(path, line, "expected a JSON object");
            string? id = root.TryGetProperty("_id", out var idEl) ? idEl.ValueKind switch
            {
                JsonValueKind.String => idEl.GetString(),
                JsonValueKind.Number => idEl.GetRawText(),
                _ => null,
            } : null;
            if (string.IsNullOrWhiteSpace(id)) return CorpusEntry.Bad(path, line, "field \"_id\" is missing or not a non-empty string");
            if (!root.TryGetProperty("text", out var textEl) || textEl.ValueKind != JsonValueKind.String)
                return CorpusEntry.Bad(path, line, "field \"text\" is missing or not a string");
            string title = "";
            if (root.TryGetProperty("title", out var titleEl) && titleEl.ValueKind != JsonValueKind.Null)
            {
                if (titleEl.ValueKind != JsonValueKind.String) return CorpusEntry.Bad(path, line, "field \"title\" is not a string");
                title = titleEl.GetString()!;
            }
            var tags = new List<string>();
            if (root.TryGetProperty("tags", out var tagsEl) && tagsEl.ValueKind != JsonValueKind.Null)
            {
                if (tagsEl.ValueKind != JsonValueKind.Array) return CorpusEntry.Bad(path, line, "field \"tags\" is not an array");
                foreach (var t in tagsEl.EnumerateArray())
                {
                    if (t.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(t.GetString()))
                        return CorpusEntry.Bad(path, line, "field \"tags\" must hold non-empty strings");
                    tags.Add(t.GetString()!);
                }
            }
            string? metadata = null;
            if (root.TryGetProperty("metadata", out var metaEl) && metaEl.ValueKind != JsonValueKind.Null)
            {
                if (metaEl.ValueKind != JsonValueKind.Object) return CorpusEntry.Bad(path, line, "field \"metadata\" is not an object");
                metadata = metaEl.GetRawText();
            }
            return CorpusEntry.Ok(path, line, new SourceDocument(id, title, textEl.GetString()!, tags, metadata));
        }
        catch (JsonException e)
        {
            return CorpusEntry.Bad(path, line, $"invalid JSON: {e.Message}");
        }
    }
}
