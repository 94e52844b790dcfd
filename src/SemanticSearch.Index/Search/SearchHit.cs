namespace SemanticSearch.Index.Search;

/// <summary>A document's internal row id and its score in one ranking (higher is better).</summary>
public readonly record struct ScoredDoc(long Doc, double Score);

/// <summary>A document after fusion, with what each leg said about it (null: the leg did not return it).</summary>
public sealed record FusedDoc(long Doc, double Score, double? KeywordScore, double? VectorScore, int? KeywordRank, int? VectorRank);

/// <summary>
/// One result. KeywordScore is Lucene's BM25 score;
/// VectorScore is the cosine of the document's best window; Score is what the hit was ranked by.
/// </summary>
public sealed record SearchHit(
    int Rank, string Id, string Title, string Snippet, double Score,
    double? KeywordScore, double? VectorScore, IReadOnlyList<string> Tags)
{
    /// <summary>Tags a classifier head assigned to the document, most confident first.</summary>
    public IReadOnlyList<SemanticSearch.Index.Tagging.PredictedTag> PredictedTags { get; init; } = [];
}

public sealed record SearchResults(IReadOnlyList<SearchHit> Hits, SearchMode Mode);
