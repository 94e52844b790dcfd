using System.Text.Json;
using System.Text.Json.Nodes;
using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Classification;

/// <summary>A text with its labels (one for single-label data, any number for multi-label data).</summary>
public sealed record LabeledText(string Text, IReadOnlyList<string> Labels);

/// <summary>
/// Reads labelled texts for classifier training and evaluation: JSON Lines with {"text", "label"} (a string
/// or a number) or {"text", "labels": [...]}, or a CSV with a header (RFC 4180; --text-column/--label-column
/// name the columns). Mixing string and number labels in one file is refused: "1" and 1 would silently
/// become the same class, which usually means two label files were concatenated by mistake. Errors name the
/// file and line.
/// </summary>
public static class LabeledTextReader
{
    public static IReadOnlyList<LabeledText> Read(string path, string textColumn = "text", string labelColumn = "label")
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"labelled data file not found: {path}", path);
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            return IntentCsvReader.Read(path, textColumn, labelColumn).Select(u => new LabeledText(u.Text, [u.Intent])).ToList();
        return ReadJsonl(path, textColumn, labelColumn);
    }

    private static List<LabeledText> ReadJsonl(string path, string textField, string labelField)
    {
        var rows = new List<LabeledText>();
        string pluralField = labelField + "s";
        JsonValueKind? labelKind = null;
        int? labelKindLine = null;
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject obj;
            try
            {
                obj = JsonNode.Parse(line) as JsonObject ?? throw new TrainingDataException(path, lineNumber, "expected a JSON object");
            }
            catch (JsonException e)
            {
                throw new TrainingDataException(path, lineNumber, $"invalid JSON: {e.Message}");
            }
            if (obj[textField] is not JsonValue tv || tv.GetValueKind() != JsonValueKind.String)
                throw new TrainingDataException(path, lineNumber, $"field \"{textField}\" must be a string");
            string text = tv.GetValue<string>();
            if (string.IsNullOrWhiteSpace(text)) throw new TrainingDataException(path, lineNumber, $"field \"{textField}\" is empty");

            var labelNodes = new List<JsonNode?>();
            if (obj[labelField] is { } single) labelNodes.Add(single);
            else if (obj[pluralField] is JsonArray many) labelNodes.AddRange(many);
            else if (obj[pluralField] is not null) throw new TrainingDataException(path, lineNumber, $"field \"{pluralField}\" must be an array");
            else throw new TrainingDataException(path, lineNumber, $"needs a \"{labelField}\" or \"{pluralField}\" field");

            var labels = new List<string>();
            foreach (var node in labelNodes)
            {
                if (node is not JsonValue lv || lv.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
                    throw new TrainingDataException(path, lineNumber, $"a label must be a string or a number, got {node?.ToJsonString() ?? "null"}");
                var kind = lv.GetValueKind();
                if (labelKind is null) { labelKind = kind; labelKindLine = lineNumber; }
                else if (kind != labelKind)
                    throw new TrainingDataException(path, lineNumber,
                        $"label {lv.ToJsonString()} is a {Describe(kind)} but line {labelKindLine} has {Describe(labelKind.Value)} labels; use one type throughout");
                string label = kind == JsonValueKind.String ? lv.GetValue<string>().Trim() : lv.ToJsonString();
                if (label.Length == 0) throw new TrainingDataException(path, lineNumber, "a label is empty");
                if (!labels.Contains(label)) labels.Add(label);
            }
            rows.Add(new LabeledText(text, labels));
        }
        if (rows.Count == 0) throw new TrainingDataException(path, null, "no labelled texts");
        return rows;
    }

    private static string Describe(JsonValueKind kind) => kind == JsonValueKind.String ? "string" : "number";
}
