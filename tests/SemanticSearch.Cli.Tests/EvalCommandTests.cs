namespace SemanticSearch.Cli.Tests;

public class EvalCommandTests : IDisposable
{
    private readonly IndexCliHarness _h = new();
    public void Dispose() => _h.Dispose();

    [Fact]
    public void Eval_prints_hand_computed_metrics()
    {
        string qrels = _h.PathOf("qrels.tsv");
        File.WriteAllText(qrels, "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td3\t1\nq2\tx\t1\n");
        string run = _h.PathOf("run");
        // q1: d2 (irrelevant), d1 (gain 2), d3 (gain 1). q2: x at rank 1.
        File.WriteAllText(run, "q1 Q0 d2 1 3.0 t\nq1 Q0 d1 2 2.0 t\nq1 Q0 d3 3 1.0 t\nq2 Q0 x 1 5 t\n");
        var r = IndexCliHarness.Run("eval", "--qrels", qrels, "--run", run);
        Assert.Equal(0, r.Code);
        double ndcgQ1 = (2 / Math.Log2(3) + 1 / Math.Log2(4)) / (2 + 1 / Math.Log2(3));
        Assert.Contains($"nDCG@10      {(ndcgQ1 + 1) / 2:F4}", r.Out);
        Assert.Contains($"MRR@10       {(0.5 + 1) / 2:F4}", r.Out);
        Assert.Contains("Recall@10    1.0000", r.Out);
        Assert.Contains($"MAP          {((0.5 + 2.0 / 3) / 2 + 1) / 2:F4}", r.Out);
        Assert.Contains($"accuracy@1   {(0 + 1) / 2.0:F4}", r.Out); // q1's first hit is irrelevant, q2's is relevant
        Assert.Contains("Recall@100   1.0000", r.Out);
    }

    [Fact]
    public void Recall_at_100_is_shown_only_for_runs_searched_to_depth_100()
    {
        // The quickstart's before/after table passes the --top it searched with as --depth: a top-10 run's
        // Recall@100 would only repeat its Recall@10, so it is left out; a top-100 run's is shown.
        string qrels = _h.PathOf("qrels.tsv");
        File.WriteAllText(qrels, "q1\td1\t1\nq2\td9\t1\n");
        string run = _h.PathOf("run");
        File.WriteAllText(run, "q1 Q0 d1 1 3.0 t\nq2 Q0 d2 1 2.0 t\n");
        var top10 = IndexCliHarness.Run("eval", "--qrels", qrels, "--run", run, "--depth", "10");
        Assert.Equal(0, top10.Code);
        Assert.Contains("Recall@100   —  (a top-10 run)", top10.Out);
        Assert.Contains("Recall@10    0.5000", top10.Out);
        var top100 = IndexCliHarness.Run("eval", "--qrels", qrels, "--run", run, "--depth", "100");
        Assert.Contains("Recall@100   0.5000", top100.Out);
        Assert.Equal(2, IndexCliHarness.Run("eval", "--qrels", qrels, "--run", run, "--depth", "0").Code);
    }

    [Fact]
    public void Eval_rejects_malformed_files_with_file_and_line()
    {
        string qrels = _h.PathOf("qrels.tsv");
        File.WriteAllText(qrels, "q1\td1\t1\n");
        string run = _h.PathOf("run");
        File.WriteAllText(run, "q1 Q0 d1 1\n");
        var r = IndexCliHarness.Run("eval", "--qrels", qrels, "--run", run);
        Assert.Equal(1, r.Code);
        Assert.Contains($"{run}:1:", r.Err);
        Assert.Equal(1, IndexCliHarness.Run("eval", "--qrels", _h.PathOf("missing"), "--run", run).Code);
    }
}
