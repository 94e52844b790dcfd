using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Search;

/// <summary>
/// The keyword leg on in-memory postings, when it can give exactly what FTS5 would: the query is plain
/// text (not advanced syntax), every term of the safe query (<see cref="Fts5QueryBuilder"/>: distinct
/// terms OR-ed, in order) is one FTS5 token, and the postings are at the caller's read snapshot.
/// Otherwise <see cref="TrySearch"/> returns null and the caller asks FTS5.
/// </summary>
internal sealed class PostingsKeywordLeg : IDisposable
{
    private readonly KeywordPostingsRefresher _refresher = new();
    private long _served, _declined;

    /// <summary>Queries answered from the postings / handed back to FTS5 (for tests and benchmarks).</summary>
    public (long Served, long Declined) Counts => (Interlocked.Read(ref _served), Interlocked.Read(ref _declined));

    public KeywordPostings? Current => _refresher.Current;

    public double LastLoadSeconds => _refresher.LastLoadSeconds;

    public KeywordPostings Refresh(SqliteConnection conn) => _refresher.Refresh(conn);

    /// <summary>
    /// The FTS5 tokens of the safe query's phrases, one per phrase in phrase order, or null when a
    /// term is not exactly one token (FTS5 would make it a multi-token phrase, or drop it).
    /// </summary>
    public static List<string>? PhraseTokens(Fts5Tokenizer tokenizer, string queryText)
    {
        var terms = Fts5QueryBuilder.Terms(queryText).Distinct(StringComparer.Ordinal).ToList();
        var tokens = tokenizer.TokenizeEach(terms);
        var phrases = new List<string>(terms.Count);
        foreach (var t in tokens)
        {
            if (t.Count != 1) return null;
            phrases.Add(t[0]);
        }
        return phrases;
    }

    public List<ScoredDoc>? TrySearch(SqliteConnection conn, Fts5Tokenizer tokenizer, SearchRequest request, int k, TagFilter filter)
    {
        List<ScoredDoc>? hits = null;
        if (!request.AdvancedSyntax && PhraseTokens(tokenizer, request.Query) is { Count: > 0 } phrases && _refresher.ForSnapshot(conn) is { } postings)
        {
            var allowed = filter.IsEmpty ? null : filter.MatchingDocs(conn);
            hits = postings.Search(phrases, k, KeywordSearcher.ColumnWeights, allowed);
        }
        Interlocked.Increment(ref hits is null ? ref _declined : ref _served);
        return hits;
    }

    public void Dispose() => _refresher.Dispose();
}
