using System.Text;

namespace SemanticSearch.Training.Data;

/// <summary>An utterance labelled with its intent (e.g. a BANKING77 row).</summary>
public sealed record IntentUtterance(string Text, string Intent);

/// <summary>
/// Reads intent-labelled utterances from a CSV with a header naming a text and an intent column
/// (BANKING77: "text,category"). RFC 4180 quoting: quoted fields may hold commas, "" escapes and line breaks
/// (BANKING77 train.csv has such a record at line 1292). Surrounding whitespace of each value is trimmed.
/// Errors give the line on which the offending record starts.
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
        var records = Records(reader.ReadToEnd(), file);
        if (records.Count == 0) throw new TrainingDataException(file, 1, "empty file, expected a header line");
        var names = records[0].Fields.Select(f => f.Trim()).ToList();
        int textIndex = names.IndexOf(textColumn), intentIndex = names.IndexOf(intentColumn);
        if (textIndex < 0 || intentIndex < 0)
            throw new TrainingDataException(file, records[0].Line,
                $"header must name columns \"{textColumn}\" and \"{intentColumn}\", found {string.Join(",", names)}");
        var rows = new List<IntentUtterance>();
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Count == 1 && string.IsNullOrWhiteSpace(fields[0])) continue; // blank line
            if (fields.Count != names.Count)
                throw new TrainingDataException(file, line, $"{fields.Count} fields, header has {names.Count}");
            string text = fields[textIndex].Trim(), intent = fields[intentIndex].Trim();
            if (text.Length == 0) throw new TrainingDataException(file, line, $"column \"{textColumn}\" is empty");
            if (intent.Length == 0) throw new TrainingDataException(file, line, $"column \"{intentColumn}\" is empty");
            rows.Add(new IntentUtterance(text, intent));
        }
        if (rows.Count == 0) throw new TrainingDataException(file, null, "no rows after the header");
        return rows;
    }

    /// <summary>Splits the whole text into records of fields, each with the 1-based line it starts on.</summary>
    private static List<(int Line, List<string> Fields)> Records(string text, string file)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var current = new StringBuilder();
        int line = 1, recordLine = 1, quoteLine = 0;
        bool quoted = false, fieldWasQuoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch == '\n') line++;
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
                continue;
            }
            switch (ch)
            {
                case '"' when current.Length == 0 && !fieldWasQuoted:
                    quoted = fieldWasQuoted = true;
                    quoteLine = line;
                    break;
                case ',':
                    fields.Add(current.ToString());
                    current.Clear();
                    fieldWasQuoted = false;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break; // CRLF: the '\n' ends the record
                case '\n':
                    fields.Add(current.ToString());
                    records.Add((recordLine, fields));
                    fields = [];
                    current.Clear();
                    fieldWasQuoted = false;
                    recordLine = line;
                    break;
                default:
                    current.Append(ch);
                    break;
            }
        }
        if (quoted) throw new TrainingDataException(file, quoteLine, "unterminated quoted field");
        if (current.Length > 0 || fields.Count > 0)
        {
            fields.Add(current.ToString());
            records.Add((recordLine, fields));
        }
        return records;
    }
}
