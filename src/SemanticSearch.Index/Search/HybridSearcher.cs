namespace SemanticSearch.Index.Search;

/// <summary>
/// Runs the keyword and vector legs (each filtered, each to <see cref="SearchRequest.CandidateDepth"/>
/// or deeper when paging needs it) and fuses them with the request's method.
/// </summary>
internal sealed class HybridSearcher(Func<int, TagFilter, List<ScoredDoc>> keywordLeg, Func<int, TagFilter, List<ScoredDoc>> vectorLeg)
{
    public static IScoreFusion FusionFor(SearchRequest r) => r.Fusion switch
    {
        FusionMethod.ReciprocalRank => new ReciprocalRankFusion(r.RrfK, r.KeywordWeight, r.VectorWeight),
        FusionMethod.Linear => new LinearScoreFusion(r.Alpha),
        _ => throw new ArgumentException($"unknown fusion {r.Fusion}"),
    };

    public IReadOnlyList<FusedDoc> Search(SearchRequest request, bool hasKeywordQuery, TagFilter filter)
    {
        int depth = Math.Max(request.CandidateDepth, request.Offset + request.Top);
        var keywordHits = hasKeywordQuery ? keywordLeg(depth, filter) : new List<ScoredDoc>();
        var vectorHits = vectorLeg(depth, filter);
        return FusionFor(request).Fuse(keywordHits, vectorHits);
    }
}
