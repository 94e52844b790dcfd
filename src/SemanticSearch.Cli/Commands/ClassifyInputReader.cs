using System.Text.Json;
using System.Text.Json.Nodes;

namespace SemanticSearch.Cli.Commands;

/// <summary>One text to classify, with the line it came from for error messages.</summary>
internal readonly record struct ClassifyInputRecord(string Id, string Text, int Line);

/// <summary>
/// Reads texts to classify: JSON Lines {"id", "text"} (id a string or number; defaults to the line number) or a
/// .txt file with one text per line (id = line number). Blank lines of a .txt file are skipped. An empty text
/// is an error naming file and line: a head would still answer for it, but that answer means nothing.
/// </summary>
internal static class ClassifyInputReader
{
    public static List<ClassifyInputRecord> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}");
        bool plain = string.Equals(Path.GetExtension(path), ".txt", StringComparison.OrdinalIgnoreCase);
        var records = new List<ClassifyInputRecord>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            string id = lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (plain) { records.Add(new ClassifyInputRecord(id, line, lineNumber)); continue; }
            JsonObject obj;
            try { obj = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{path}:{lineNumber}: expected a JSON object {{\"id\", \"text\"}}"); }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{lineNumber}: invalid JSON: {e.Message}"); }
            if (obj["text"] is not JsonValue tv || tv.GetValueKind() != JsonValueKind.String)
                throw new InvalidDataException($"{path}:{lineNumber}: field \"text\" must be a string");
            string text = tv.GetValue<string>();
            if (string.IsNullOrWhiteSpace(text)) throw new InvalidDataException($"{path}:{lineNumber}: field \"text\" is empty");
            if (obj["id"] is JsonValue iv)
                id = iv.GetValueKind() switch
                {
                    JsonValueKind.String => iv.GetValue<string>(),
                    JsonValueKind.Number => iv.ToJsonString(),
                    _ => throw new InvalidDataException($"{path}:{lineNumber}: field \"id\" must be a string or a number"),
                };
            else if (obj["id"] is not null) throw new InvalidDataException($"{path}:{lineNumber}: field \"id\" must be a string or a number");
            records.Add(new ClassifyInputRecord(id, text, lineNumber));
        }
        return records;
    }
}
