using SemanticSearch.Index.Evaluation;

namespace SemanticSearch.Index.Tests;

public class RetrievalMetricsTests
{
    private static Qrels Judged(params (string q, string d, int rel)[] xs)
    {
        var q = new Qrels();
        foreach (var x in xs) q.Add(x.q, x.d, x.rel);
        return q;
    }

    private static TrecRun Run(string q, params (string d, double s)[] xs)
    {
        var r = new TrecRun();
        foreach (var x in xs) r.Add(q, x.d, x.s);
        return r;
    }

    [Fact]
    public void Single_query_metrics_match_hand_computation()
    {
        // Relevant: d1 (gain 2), d3 (gain 1), d9 (gain 1, never retrieved). d5 judged 0 (not relevant).
        var qrels = Judged(("q", "d1", 2), ("q", "d3", 1), ("q", "d9", 1), ("q", "d5", 0));
        var run = Run("q", ("d2", 0.9), ("d1", 0.8), ("d5", 0.7), ("d3", 0.6));
        var m = RetrievalMetrics.Evaluate(qrels, run);
        double dcg = 2 / Math.Log2(3) + 1 / Math.Log2(5);
        double idcg = 2 / Math.Log2(2) + 1 / Math.Log2(3) + 1 / Math.Log2(4);
        Assert.Equal(dcg / idcg, m.Ndcg10, 10);
        Assert.Equal(0.5, m.Mrr10, 10);
        Assert.Equal(2.0 / 3, m.Recall10, 10);
        Assert.Equal(2.0 / 3, m.Recall100, 10);
        Assert.Equal((1.0 / 2 + 2.0 / 4) / 3, m.Map, 10);
        Assert.Equal(1, m.Queries);
    }

    [Fact]
    public void Cutoffs_apply_at_ten_and_hundred()
    {
        var qrels = Judged(("q", "rel", 1));
        var run = new TrecRun();
        for (int i = 0; i < 50; i++) run.Add("q", $"n{i:D2}", 100 - i);
        run.Add("q", "rel", 1); // rank 51
        var m = RetrievalMetrics.Evaluate(qrels, run);
        Assert.Equal(0, m.Ndcg10);
        Assert.Equal(0, m.Mrr10);
        Assert.Equal(0, m.Recall10);
        Assert.Equal(1, m.Recall100);
        Assert.Equal(1.0 / 51, m.Map, 10);
    }

    [Fact]
    public void Ties_are_broken_by_docid_descending_like_trec_eval()
    {
        var qrels = Judged(("q", "a", 1));
        var run = Run("q", ("a", 1.0), ("b", 1.0)); // tie: "b" > "a" so b ranks first
        Assert.Equal(new[] { "b", "a" }, run.Ranked("q").Select(e => e.DocId));
        Assert.Equal(0.5, RetrievalMetrics.Evaluate(qrels, run).Mrr10, 10);
    }

    [Fact]
    public void Queries_missing_from_the_run_count_as_zero_and_unjudged_queries_are_ignored()
    {
        var qrels = Judged(("q1", "a", 1), ("q2", "b", 1), ("q3", "c", 0));
        var run = Run("q1", ("a", 1));
        run.Add("q4", "z", 1);
        var m = RetrievalMetrics.Evaluate(qrels, run);
        Assert.Equal(2, m.Queries);
        Assert.Equal(1, m.QueriesWithoutResults);
        Assert.Equal(0.5, m.Ndcg10, 10);
        Assert.Equal(0.5, m.Map, 10);
    }

    [Fact]
    public void Files_round_trip_and_bad_lines_name_file_and_line()
    {
        using var dir = new TempDirectory();
        string qrelsPath = dir.Write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n");
        var qrels = Qrels.Load(qrelsPath);
        Assert.Equal(2, qrels.ByQuery["q1"]["d2"]);
        string runPath = dir.File("run.txt");
        using (var w = new StreamWriter(runPath)) TrecRun.WriteQuery(w, "q1", new[] { ("d2", 3.5), ("d1", 1.25) });
        Assert.Equal("q1 Q0 d2 1 3.5 semsearch", File.ReadLines(runPath).First());
        var m = RetrievalMetrics.Evaluate(qrels, TrecRun.Load(runPath));
        Assert.Equal(1.0, m.Ndcg10, 10);
        string bad = dir.Write("bad.tsv", "q\td\t1\nq\td\tx\n");
        var e = Assert.Throws<FormatException>(() => Qrels.Load(bad));
        Assert.Contains(bad + ":2:", e.Message);
        string badRun = dir.Write("bad.run", "q Q0 d 1 notanumber tag\n");
        Assert.Contains(badRun + ":1:", Assert.Throws<FormatException>(() => TrecRun.Load(badRun)).Message);
    }
}
