using System.Text.Json;
using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Pretraining;

/// <summary>
/// Texts for masked-language-model pretraining: a .txt file (one text per non-blank line) or JSONL with a "text"
/// string field per line (other fields ignored). Bad lines are errors naming file and line.
/// </summary>
public static class PretrainingCorpusReader
{
    public static IReadOnlyList<string> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"corpus file not found: {path}", path);
        bool plain = string.Equals(Path.GetExtension(path), ".txt", StringComparison.OrdinalIgnoreCase);
        var texts = new List<string>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            if (plain) { texts.Add(raw.Trim()); continue; }
            try
            {
                using var doc = JsonDocument.Parse(raw);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new TrainingDataException(path, line, $"expected a JSON object with a \"text\" field, got {doc.RootElement.ValueKind}");
                if (!doc.RootElement.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(text.GetString()))
                    throw new TrainingDataException(path, line, "field \"text\" is missing, empty or not a string");
                texts.Add(text.GetString()!);
            }
            catch (JsonException e)
            {
                throw new TrainingDataException(path, line, $"invalid JSON: {e.Message}");
            }
        }
        if (texts.Count == 0) throw new TrainingDataException(path, null, "no texts (file is empty or blank)");
        return texts;
    }
}
