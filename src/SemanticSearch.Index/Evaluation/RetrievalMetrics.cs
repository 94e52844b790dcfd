namespace SemanticSearch.Index.Evaluation;

/// <summary>Mean metrics over the evaluated queries.</summary>
public sealed record MetricSummary(int Queries, int QueriesWithoutResults, double Ndcg10, double Mrr10, double Recall10, double Recall100, double Map);

/// <summary>
/// trec_eval's definitions. Relevant means qrels score &gt; 0.
/// nDCG@10 (ndcg_cut.10): Σ gain/log2(rank+1) with gain = qrels score, divided by the same sum over
/// the ideal ordering of all judged documents. MRR@10: 1/rank of the first relevant document in the
/// top 10, else 0. Recall@k: relevant in top k / all relevant. MAP: Σ over relevant retrieved of
/// precision at its rank, / all relevant (unretrieved relevant documents count as 0).
/// Averaged over queries of the qrels that have at least one relevant document; a query missing from
/// the run scores 0 on everything (trec_eval -c), so a run cannot look better by dropping queries.
/// </summary>
public static class RetrievalMetrics
{
    public static MetricSummary Evaluate(Qrels qrels, TrecRun run)
    {
        int n = 0, missing = 0;
        double ndcg = 0, mrr = 0, r10 = 0, r100 = 0, map = 0;
        foreach (var (query, judged) in qrels.ByQuery.OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            int relevant = judged.Values.Count(v => v > 0);
            if (relevant == 0) continue;
            n++;
            var ranked = run.Ranked(query);
            if (ranked.Count == 0) { missing++; continue; }
            ndcg += NdcgAt(ranked, judged, 10);
            mrr += ReciprocalRankAt(ranked, judged, 10);
            r10 += RecallAt(ranked, judged, 10);
            r100 += RecallAt(ranked, judged, 100);
            map += AveragePrecision(ranked, judged);
        }
        if (n == 0) throw new InvalidDataException("qrels hold no query with a relevant document");
        return new MetricSummary(n, missing, ndcg / n, mrr / n, r10 / n, r100 / n, map / n);
    }

    private static int Gain(IReadOnlyDictionary<string, int> judged, string doc) => judged.TryGetValue(doc, out int g) && g > 0 ? g : 0;

    public static double NdcgAt(IReadOnlyList<RunEntry> ranked, IReadOnlyDictionary<string, int> judged, int k)
    {
        double dcg = 0;
        for (int i = 0; i < Math.Min(k, ranked.Count); i++) dcg += Gain(judged, ranked[i].DocId) / Math.Log2(i + 2);
        var ideal = judged.Values.Where(g => g > 0).OrderByDescending(g => g).Take(k).ToList();
        double idcg = 0;
        for (int i = 0; i < ideal.Count; i++) idcg += ideal[i] / Math.Log2(i + 2);
        return idcg == 0 ? 0 : dcg / idcg;
    }

    public static double ReciprocalRankAt(IReadOnlyList<RunEntry> ranked, IReadOnlyDictionary<string, int> judged, int k)
    {
        for (int i = 0; i < Math.Min(k, ranked.Count); i++) if (Gain(judged, ranked[i].DocId) > 0) return 1.0 / (i + 1);
        return 0;
    }

    public static double RecallAt(IReadOnlyList<RunEntry> ranked, IReadOnlyDictionary<string, int> judged, int k)
    {
        int relevant = judged.Values.Count(v => v > 0);
        int found = ranked.Take(k).Count(e => Gain(judged, e.DocId) > 0);
        return relevant == 0 ? 0 : (double)found / relevant;
    }

    public static double AveragePrecision(IReadOnlyList<RunEntry> ranked, IReadOnlyDictionary<string, int> judged)
    {
        int relevant = judged.Values.Count(v => v > 0);
        if (relevant == 0) return 0;
        double sum = 0;
        int hits = 0;
        for (int i = 0; i < ranked.Count; i++)
        {
            if (Gain(judged, ranked[i].DocId) == 0) continue;
            hits++;
            sum += (double)hits / (i + 1);
        }
        return sum / relevant;
    }
}
