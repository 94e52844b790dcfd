namespace SemanticSearch.Index.Ingest;

/// <summary>What to do with a malformed record: skip it (reported) or stop before applying its batch.</summary>
public enum OnError { Skip, Fail }

public sealed record IngestOptions
{
    public int BatchSize { get; init; } = 1000;
    public OnError OnError { get; init; } = OnError.Fail;
    public CsvColumns Csv { get; init; } = new();
}

/// <summary>Totals of one ingest run.</summary>
public sealed record IngestReport(long Read, long Added, long Updated, long Unchanged, long Skipped, long DuplicateIds, long WindowsEmbedded, int Batches);
