namespace SemanticSearch.Index.Search;

/// <summary>
/// Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ_leg weight / (k + rank_leg(d)), ranks
/// from 1. It uses ranks only, so BM25's unbounded scale and cosine's [-1, 1] need no calibration.
/// </summary>
public sealed class ReciprocalRankFusion(double k = 60, double keywordWeight = 1, double vectorWeight = 1) : IScoreFusion
{
    public IReadOnlyList<FusedDoc> Fuse(IReadOnlyList<ScoredDoc> keyword, IReadOnlyList<ScoredDoc> vector)
    {
        var table = FusionTable.Build(keyword, vector);
        return FusionTable.Rank(table.Values, e =>
            (e.KeywordRank is int kr ? keywordWeight / (k + kr) : 0) +
            (e.VectorRank is int vr ? vectorWeight / (k + vr) : 0));
    }
}

/// <summary>
/// Convex combination of min-max normalized scores: alpha·vector + (1−alpha)·keyword. A document
/// missing from a leg gets 0 from it (the leg's worst). A leg whose scores are all equal normalizes to 1.
/// </summary>
public sealed class LinearScoreFusion(double alpha = 0.5) : IScoreFusion
{
    public IReadOnlyList<FusedDoc> Fuse(IReadOnlyList<ScoredDoc> keyword, IReadOnlyList<ScoredDoc> vector)
    {
        var table = FusionTable.Build(keyword, vector);
        var (kMin, kMax) = Range(keyword);
        var (vMin, vMax) = Range(vector);
        return FusionTable.Rank(table.Values, e =>
            (1 - alpha) * Normalize(e.KeywordScore, kMin, kMax) + alpha * Normalize(e.VectorScore, vMin, vMax));
    }

    private static (double Min, double Max) Range(IReadOnlyList<ScoredDoc> leg) =>
        leg.Count == 0 ? (0, 0) : (leg.Min(s => s.Score), leg.Max(s => s.Score));

    private static double Normalize(double? score, double min, double max) =>
        score is not double s ? 0 : max > min ? (s - min) / (max - min) : 1;
}

public interface IScoreFusion
{
    /// <summary>Both legs best first; the result is best first, ties broken by smaller doc id.</summary>
    IReadOnlyList<FusedDoc> Fuse(IReadOnlyList<ScoredDoc> keyword, IReadOnlyList<ScoredDoc> vector);
}

internal static class FusionTable
{
    internal sealed class Entry(long doc)
    {
        public long Doc = doc;
        public double? KeywordScore, VectorScore;
        public int? KeywordRank, VectorRank;
    }

    public static Dictionary<long, Entry> Build(IReadOnlyList<ScoredDoc> keyword, IReadOnlyList<ScoredDoc> vector)
    {
        var table = new Dictionary<long, Entry>();
        for (int i = 0; i < keyword.Count; i++)
        {
            var e = Get(table, keyword[i].Doc);
            if (e.KeywordRank is null) { e.KeywordRank = i + 1; e.KeywordScore = keyword[i].Score; }
        }
        for (int i = 0; i < vector.Count; i++)
        {
            var e = Get(table, vector[i].Doc);
            if (e.VectorRank is null) { e.VectorRank = i + 1; e.VectorScore = vector[i].Score; }
        }
        return table;
    }

    public static IReadOnlyList<FusedDoc> Rank(IEnumerable<Entry> entries, Func<Entry, double> score) =>
        entries.Select(e => new FusedDoc(e.Doc, score(e), e.KeywordScore, e.VectorScore, e.KeywordRank, e.VectorRank))
            .OrderByDescending(f => f.Score).ThenBy(f => f.Doc).ToList();

    private static Entry Get(Dictionary<long, Entry> table, long doc)
    {
        if (!table.TryGetValue(doc, out var e)) table[doc] = e = new Entry(doc);
        return e;
    }
}
