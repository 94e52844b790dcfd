using System.Diagnostics;
using SemanticSearch.Index.Evaluation;

namespace SemanticSearch.Cli;

/// <summary>
/// Batch mode of `search` (local and --server alike): every query of a BEIR queries file is answered
/// in turn and written as a TREC run, with progress on stderr and latency percentiles on stdout.
/// The run file appears only when complete (written to FILE.tmp, then renamed), so an interrupted
/// batch never leaves a partial run that `eval` would score as if it were whole.
/// </summary>
internal static class QueryRunWriter
{
    /// <param name="search">Hits of one non-blank query, best first.</param>
    /// <param name="latencyNote">What the latencies include, printed after them.</param>
    public static int Write(string queriesPath, string runPath, Func<string, IEnumerable<(string Id, double Score)>> search,
                            string latencyNote, TextWriter stdout, TextWriter stderr)
    {
        var queries = QueryFile.Read(queriesPath);
        var progress = new ProgressReporter(stderr, "queries", queries.Count);
        var latencies = new List<double>(queries.Count);
        string tmp = runPath + ".tmp";
        using (var w = new StreamWriter(tmp))
        {
            foreach (var (id, text) in queries)
            {
                var clock = Stopwatch.StartNew();
                // A query with no searchable term (blank) just has no results, like in Lucene.
                var hits = string.IsNullOrWhiteSpace(text) ? [] : search(text).ToList();
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                TrecRun.WriteQuery(w, id, hits);
                progress.Advance(1);
            }
        }
        File.Move(tmp, runPath, overwrite: true);
        progress.Finish();
        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        stdout.WriteLine($"wrote {runPath}: {queries.Count} queries, latency p50 {P(0.5):F2} ms, p95 {P(0.95):F2} ms, p99 {P(0.99):F2} ms ({latencyNote})");
        return ExitCodes.Ok;
    }
}
