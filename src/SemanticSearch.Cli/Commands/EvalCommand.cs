using System.Globalization;
using SemanticSearch.Index.Evaluation;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch eval`: score a TREC run against BEIR qrels.</summary>
public sealed class EvalCommand : ICliCommand
{
    public string Name => "eval";
    public string Summary => "nDCG@10, MRR@10, accuracy@1, Recall@10/100 and MAP of a TREC run against qrels";
    public string Usage => """
        usage: semsearch eval --qrels FILE.tsv --run FILE [--depth K]

          --qrels FILE   BEIR qrels: query-id<TAB>corpus-id<TAB>score, header optional; score > 0 is relevant (graded gain)
          --run FILE     TREC run: qid Q0 docid rank score tag
          --depth K      the run was searched with --top K: Recall@100 is shown only when K >= 100 ("—" otherwise,
                         since a run cut at K cannot tell Recall@100 from Recall@K)

        Definitions follow trec_eval (ndcg_cut.10, recip_rank cut at 10, success.1, recall.10/.100, map). Run order is
        score descending, ties broken by docid descending; the rank column is ignored. Averages are over qrels
        queries with at least one relevant document; a query absent from the run scores 0 (trec_eval -c).
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string qrelsPath = args.RequiredString("qrels");
        string runPath = args.RequiredString("run");
        int? depth = args.Has("depth") ? args.Int("depth", 0, min: 1) : null;
        args.EnsureAllUsed();
        var qrels = Qrels.Load(qrelsPath);
        var run = TrecRun.Load(runPath);
        var m = RetrievalMetrics.Evaluate(qrels, run);
        if (m.QueriesWithoutResults > 0) stderr.WriteLine($"warning: {m.QueriesWithoutResults} of {m.Queries} judged queries have no results in the run (scored 0)");
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Create(inv, $"queries      {m.Queries}"));
        stdout.WriteLine(string.Create(inv, $"nDCG@10      {m.Ndcg10:F4}"));
        stdout.WriteLine(string.Create(inv, $"MRR@10       {m.Mrr10:F4}"));
        stdout.WriteLine(string.Create(inv, $"accuracy@1   {AccuracyAt1(qrels, run):F4}"));
        stdout.WriteLine(string.Create(inv, $"Recall@10    {m.Recall10:F4}"));
        stdout.WriteLine(depth < 100 ? $"Recall@100   —  (a top-{depth} run)" : string.Create(inv, $"Recall@100   {m.Recall100:F4}"));
        stdout.WriteLine(string.Create(inv, $"MAP          {m.Map:F4}"));
        return ExitCodes.Ok;
    }

    /// <summary>Share of the judged queries whose first result is relevant (trec_eval success.1), over the queries <see cref="RetrievalMetrics"/> averages.</summary>
    private static double AccuracyAt1(Qrels qrels, TrecRun run)
    {
        int n = 0, hits = 0;
        foreach (var (query, judged) in qrels.ByQuery)
        {
            if (!judged.Values.Any(v => v > 0)) continue;
            n++;
            if (RetrievalMetrics.ReciprocalRankAt(run.Ranked(query), judged, 1) > 0) hits++;
        }
        return n == 0 ? 0 : (double)hits / n;
    }
}
