namespace SemanticSearch.Index.Ingest;

/// <summary>What to do with a malformed record: skip it (reported) or stop before applying its batch.</summary>
public enum OnError { Skip, Fail }

public sealed record IngestOptions
{
    /// <summary>Documents per committed transaction when nothing is embedded (see <see cref="DefaultBatchSize"/>).</summary>
    public const int KeywordOnlyBatchSize = 10_000;
    /// <summary>Documents per committed transaction when documents are embedded or classified: a batch is also the unit of progress.</summary>
    public const int EmbeddingBatchSize = 1000;

    /// <summary>
    /// The batch size to use when the user gives none. Keyword-only ingest is a few µs of SQLite work
    /// per document, and every commit rewrites the B-tree pages the batch touched (the id index is
    /// touched all over by unsorted ids) and flushes an FTS5 segment: 10,000-document batches cost
    /// about half the commit CPU of 1,000-document ones (BENCHMARKS.md, "Ingest speed"). With an
    /// encoder a batch is seconds of embedding, so it stays small for progress and for what a crash
    /// loses.
    /// </summary>
    public static int DefaultBatchSize(bool embedsOrClassifies) => embedsOrClassifies ? EmbeddingBatchSize : KeywordOnlyBatchSize;

    public int BatchSize { get; init; } = EmbeddingBatchSize;

    /// <summary>
    /// A batch is also committed once its documents hold this many characters of title and text, so
    /// a large document count never makes a transaction of long documents (a folder of books) huge.
    /// </summary>
    public long MaxBatchChars { get; init; } = 16_000_000;
    public OnError OnError { get; init; } = OnError.Fail;
    public CsvColumns Csv { get; init; } = new();
}

/// <summary>Totals of one ingest run.</summary>
public sealed record IngestReport(long Read, long Added, long Updated, long Unchanged, long Skipped, long DuplicateIds, long WindowsEmbedded, int Batches);
