using System.Text;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// RFC 4180 records: comma-separated, fields optionally in double quotes, "" inside quotes is a
/// quote, quoted fields may span lines. Yields each record with the line it starts on, or an error
/// for that record (the reader then resynchronises at the next line).
/// </summary>
public static class CsvRecordReader
{
    public readonly record struct Record(int Line, List<string>? Fields, string? Error);

    public static IEnumerable<Record> Read(string path)
    {
        List<string>? fields = null;
        var field = new StringBuilder();
        bool inQuotes = false;
        int startLine = 0;
        foreach (var (line, text) in Utf8LineReader.ReadLines(path))
        {
            if (text is null)
            {
                // An undecodable line poisons the record it belongs to; drop that record.
                yield return new Record(inQuotes ? startLine : line, null, Utf8LineReader.InvalidUtf8Message);
                fields = null; field.Clear(); inQuotes = false;
                continue;
            }
            if (!inQuotes)
            {
                if (text.Length == 0) continue; // blank line between records
                fields = new List<string>(); field.Clear(); startLine = line;
            }
            else field.Append('\n'); // the line break was inside a quoted field
            string? error = ParseLine(text, fields!, field, ref inQuotes);
            if (error is not null)
            {
                yield return new Record(startLine, null, error);
                fields = null; field.Clear(); inQuotes = false;
                continue;
            }
            if (!inQuotes)
            {
                fields!.Add(field.ToString());
                field.Clear();
                yield return new Record(startLine, fields, null);
                fields = null;
            }
        }
        if (inQuotes) yield return new Record(startLine, null, "unterminated quoted field at end of file");
    }

    /// <summary>Consumes one physical line; returns an error message or null.</summary>
    private static string? ParseLine(string text, List<string> fields, StringBuilder field, ref bool inQuotes)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (inQuotes)
            {
                if (c != '"') { field.Append(c); continue; }
                if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; continue; }
                inQuotes = false;
                if (i + 1 < text.Length && text[i + 1] != ',')
                    return $"unexpected character '{text[i + 1]}' after closing quote (column {i + 2})";
                continue;
            }
            if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '"' && field.Length == 0) inQuotes = true;
            else if (c == '"') return $"quote inside an unquoted field (column {i + 1}); quote the whole field and double the quote";
            else field.Append(c);
        }
        return null;
    }
}
