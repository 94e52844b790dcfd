using System.Text.Json;
using SemanticSearch.Index.Ingest;

namespace SemanticSearch.Cli;

/// <summary>BEIR queries.jsonl: one {"_id", "text"} object per line. Any bad line is an error naming file and line.</summary>
public static class QueryFile
{
    public static List<(string Id, string Text)> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"queries file '{path}' does not exist");
        var queries = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, text) in Utf8LineReader.ReadLines(path))
        {
            if (text is null) throw new FormatException($"{path}:{line}: {Utf8LineReader.InvalidUtf8Message}");
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}:{line}: expected a JSON object");
                string? id = root.TryGetProperty("_id", out var i) ? (i.ValueKind == JsonValueKind.Number ? i.GetRawText() : i.ValueKind == JsonValueKind.String ? i.GetString() : null) : null;
                if (string.IsNullOrWhiteSpace(id) || id.Any(char.IsWhiteSpace)) throw new FormatException($"{path}:{line}: field \"_id\" must be a non-empty string without spaces (TREC run format)");
                if (!root.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String) throw new FormatException($"{path}:{line}: field \"text\" is missing or not a string");
                if (!seen.Add(id)) throw new FormatException($"{path}:{line}: duplicate query id '{id}'");
                queries.Add((id, t.GetString()!));
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{line}: invalid JSON: {e.Message}");
            }
        }
        return queries;
    }
}
