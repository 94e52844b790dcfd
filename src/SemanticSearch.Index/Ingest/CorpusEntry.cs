namespace SemanticSearch.Index.Ingest;

/// <summary>
/// One record read from an input: either a document or the reason it could not be read, always
/// with the file and (1-based) line where it starts so errors can be fixed at the source.
/// </summary>
public sealed record CorpusEntry(string File, int Line, SourceDocument? Document, string? Error)
{
    /// <summary>A document, unless its text is empty (<see cref="PreparedDocument.EmptyText"/>: the one rule of every reader, the writer and the service).</summary>
    public static CorpusEntry Ok(string file, int line, SourceDocument d) =>
        string.IsNullOrWhiteSpace(d.Text) ? Bad(file, line, $"document '{d.Id}': {PreparedDocument.EmptyText}") : new(file, line, d, null);
    public static CorpusEntry Bad(string file, int line, string error) => new(file, line, null, error);
    public string Location => $"{File}:{Line}";
}

/// <summary>A malformed input record under --on-error fail.</summary>
public sealed class CorpusFormatException(string message) : FormatException(message);
