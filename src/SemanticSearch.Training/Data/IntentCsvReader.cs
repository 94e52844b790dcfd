namespace SemanticSearch.Training.Data;

/// <summary>An utterance labelled with its intent (e.g. a BANKING77 row).</summary>
public sealed record IntentUtterance(string Text, string Intent);

/// <summary>
/// Reads intent-labelled utterances from a CSV with a header naming a text and an intent column
/// (BANKING77: "text,category"). Fields may be double-quoted with "" escapes (RFC 4180), within one line.
/// </summary>
public static class IntentCsvReader
{
    public static IReadOnlyList<IntentUtterance> Read(string path, string textColumn = "text", string intentColumn = "category")
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"intent CSV not found: {path}", path);
        using var reader = new StreamReader(path);
        return Read(reader, path, textColumn, intentColumn);
    }

    public static IReadOnlyList<IntentUtterance> Read(TextReader reader, string file, string textColumn = "text", string intentColumn = "category")
    {
        string? header = reader.ReadLine() ?? throw new TrainingDataException(file, 1, "empty file, expected a header line");
        var names = SplitLine(header, file, 1);
        int textIndex = names.IndexOf(textColumn), intentIndex = names.IndexOf(intentColumn);
        if (textIndex < 0 || intentIndex < 0)
            throw new TrainingDataException(file, 1,
                $"header must name columns \"{textColumn}\" and \"{intentColumn}\", found {string.Join(",", names)}");
        var rows = new List<IntentUtterance>();
        int line = 1;
        for (string? text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var fields = SplitLine(text, file, line);
            if (fields.Count != names.Count)
                throw new TrainingDataException(file, line, $"{fields.Count} fields, header has {names.Count}");
            if (string.IsNullOrWhiteSpace(fields[textIndex])) throw new TrainingDataException(file, line, $"column \"{textColumn}\" is empty");
            if (string.IsNullOrWhiteSpace(fields[intentIndex])) throw new TrainingDataException(file, line, $"column \"{intentColumn}\" is empty");
            rows.Add(new IntentUtterance(fields[textIndex], fields[intentIndex]));
        }
        if (rows.Count == 0) throw new TrainingDataException(file, null, "no rows after the header");
        return rows;
    }

    private static List<string> SplitLine(string line, string file, int lineNumber)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
            }
            else if (ch == '"' && current.Length == 0) quoted = true;
            else if (ch == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(ch);
        }
        if (quoted) throw new TrainingDataException(file, lineNumber, "unterminated quoted field");
        fields.Add(current.ToString());
        return fields;
    }
}
