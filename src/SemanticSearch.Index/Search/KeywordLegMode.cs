namespace SemanticSearch.Index.Search;

/// <summary>
/// How an <see cref="IndexSearcher"/> answers keyword queries (and the keyword leg of hybrid ones).
/// Both rank identically (FTS5's bm25 with the title weighted 2.0); they differ in cost.
/// </summary>
public enum KeywordLegMode
{
    /// <summary>
    /// Every query runs on SQLite FTS5. No start-up cost, so this is the default and what a one-shot
    /// <c>semsearch search --query</c> uses; but FTS5 scores every row that matches any query term, ~200
    /// CPU-ms per BANKING77-style query at 100k documents.
    /// </summary>
    Fts5,

    /// <summary>
    /// Plain-text queries run on in-memory postings read from FTS5 (<see cref="KeywordPostings"/>), a few
    /// ms at 100k documents, after a one-time load on the first keyword query (seconds at 100k
    /// passages; see BENCHMARKS.md) and tens of MB of memory. For searchers that answer many queries:
    /// the gRPC service and batch <c>--queries</c> runs. Advanced-syntax queries, snippets, and any query
    /// whose snapshot the postings are not exactly at (another thread is refreshing them) still run on FTS5.
    /// </summary>
    InMemoryPostings,
}
