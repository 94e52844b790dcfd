namespace SemanticSearch.Training.Evaluation;

/// <summary>
/// Per-query ranking metrics as sentence-transformers' InformationRetrievalEvaluator (and trec_eval) define them.
/// <c>ranked</c> is the retrieved document ids, best first; <c>grades</c> maps each relevant id to its grade (&gt; 0).
/// </summary>
public static class RetrievalMetrics
{
    /// <summary>1 if any relevant document is in the top k.</summary>
    public static double AccuracyAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, double> grades, int k) =>
        ranked.Take(k).Any(grades.ContainsKey) ? 1 : 0;

    /// <summary>Relevant documents in the top k divided by k.</summary>
    public static double PrecisionAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, double> grades, int k) =>
        (double)ranked.Take(k).Count(grades.ContainsKey) / k;

    /// <summary>Relevant documents in the top k divided by the number of relevant documents.</summary>
    public static double RecallAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, double> grades, int k) =>
        (double)ranked.Take(k).Count(grades.ContainsKey) / grades.Count;

    /// <summary>1 / rank of the first relevant document within the top k, else 0.</summary>
    public static double MrrAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, double> grades, int k)
    {
        for (int r = 0; r < Math.Min(k, ranked.Count); r++)
            if (grades.ContainsKey(ranked[r])) return 1.0 / (r + 1);
        return 0;
    }

    /// <summary>
    /// DCG@k / ideal DCG@k with gain = grade (trec_eval's ndcg_cut) and discount log2(rank + 1).
    /// With <paramref name="graded"/> false every relevant document has gain 1 (sentence-transformers' binary nDCG).
    /// </summary>
    public static double NdcgAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, double> grades, int k, bool graded)
    {
        double Gain(double grade) => graded ? grade : 1.0;
        double dcg = 0;
        for (int r = 0; r < Math.Min(k, ranked.Count); r++)
            if (grades.TryGetValue(ranked[r], out double g)) dcg += Gain(g) / Math.Log2(r + 2);
        var ideal = grades.Values.Select(Gain).OrderByDescending(g => g).Take(k).ToList();
        double idcg = 0;
        for (int r = 0; r < ideal.Count; r++) idcg += ideal[r] / Math.Log2(r + 2);
        return idcg == 0 ? 0 : dcg / idcg;
    }

    /// <summary>
    /// Average precision at k: Σ over relevant hits in the top k of (hits so far / rank), divided by
    /// min(k, number of relevant documents).
    /// </summary>
    public static double AveragePrecisionAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, double> grades, int k)
    {
        int hits = 0;
        double sum = 0;
        for (int r = 0; r < Math.Min(k, ranked.Count); r++)
        {
            if (!grades.ContainsKey(ranked[r])) continue;
            hits++;
            sum += (double)hits / (r + 1);
        }
        return sum / Math.Min(k, grades.Count);
    }
}
