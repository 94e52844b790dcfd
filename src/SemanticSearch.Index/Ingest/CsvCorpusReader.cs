namespace SemanticSearch.Index.Ingest;

/// <summary>
/// Which CSV columns (by header name) make a document. Without an id column, the id is the record's
/// 1-based data row number, which is stable as long as the file is only appended to.
/// Tags are split on <see cref="TagSeparator"/>.
/// </summary>
public sealed record CsvColumns(string? Id = null, string? Title = null, string Text = "text", string? Tags = null, char TagSeparator = ';');

/// <summary>A CSV file with a header row, mapped to documents through <see cref="CsvColumns"/>.</summary>
public static class CsvCorpusReader
{
    public static IEnumerable<CorpusEntry> Read(string path, CsvColumns columns)
    {
        using var records = CsvRecordReader.Read(path).GetEnumerator();
        if (!records.MoveNext()) yield break;
        var header = records.Current;
        if (header.Fields is null) throw new CorpusFormatException($"{path}:{header.Line}: cannot read the header row: {header.Error}");
        var names = header.Fields.Select(f => f.Trim()).ToList();
        int Column(string? name, string option, bool required)
        {
            if (name is null) return -1;
            int i = names.IndexOf(name);
            if (i < 0 && required) throw new CorpusFormatException($"{path}:{header.Line}: no column named '{name}' ({option}); columns are: {string.Join(", ", names)}");
            return i;
        }
        // Defaults are used when present; explicitly named columns must exist.
        int idCol = columns.Id is not null ? Column(columns.Id, "id column", true) : Math.Max(names.IndexOf("_id"), names.IndexOf("id"));
        int titleCol = columns.Title is not null ? Column(columns.Title, "title column", true) : names.IndexOf("title");
        int textCol = Column(columns.Text, "text column", true);
        int tagsCol = columns.Tags is not null ? Column(columns.Tags, "tags column", true) : names.IndexOf("tags");

        int row = 0;
        while (records.MoveNext())
        {
            var r = records.Current;
            row++;
            if (r.Fields is null) { yield return CorpusEntry.Bad(path, r.Line, r.Error!); continue; }
            if (r.Fields.Count != names.Count)
            {
                yield return CorpusEntry.Bad(path, r.Line, $"record has {r.Fields.Count} fields, header has {names.Count}");
                continue;
            }
            string id = idCol >= 0 ? r.Fields[idCol].Trim() : row.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (id.Length == 0) { yield return CorpusEntry.Bad(path, r.Line, $"empty id in column '{names[idCol]}'"); continue; }
            var tags = tagsCol >= 0
                ? r.Fields[tagsCol].Split(columns.TagSeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : Array.Empty<string>();
            yield return CorpusEntry.Ok(path, r.Line, new SourceDocument(id, titleCol >= 0 ? r.Fields[titleCol] : "", r.Fields[textCol], tags));
        }
    }
}
