using System.Collections.Concurrent;
using System.Diagnostics;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Client;


namespace SemanticSearch.Bench.Service;

/// <summary>N clients searching in a closed loop while one client ingests; every call is timed and checked.</summary>
internal sealed class LoadPhase
{
    private readonly ConcurrentBag<(SearchMode Mode, double Ms)> _latencies = new();
    private List<double> _sorted = new();

    public long SearchOk, SearchFailed, UpsertCalls, UpsertFailed, DocumentsIngested;
    public TimeSpan Elapsed;

    public double P(double q) => _sorted.Count == 0 ? 0 : _sorted[Math.Min(_sorted.Count - 1, (int)(q * _sorted.Count))];

    public IEnumerable<(SearchMode, double, double)> ByMode() => _latencies.GroupBy(l => l.Mode).OrderBy(g => g.Key).Select(g =>
    {
        var s = g.Select(x => x.Ms).Order().ToList();
        return (g.Key, s[(int)(0.5 * s.Count)], s[Math.Min(s.Count - 1, (int)(0.99 * s.Count))]);
    });

    /// <summary>Runs <paramref name="clients"/> closed-loop searchers for <paramref name="duration"/>, with one ingesting client when <paramref name="ingest"/>.</summary>
    public static async Task<LoadPhase> RunAsync(SearchServiceClient client, int clients, TimeSpan duration, bool ingest = true, int firstLiveBatch = 0)
    {
        var phase = new LoadPhase();
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var searchers = Enumerable.Range(0, clients).Select(c => Task.Run(() => phase.SearchLoop(client, c, stop.Token))).ToList();
        if (ingest) searchers.Add(Task.Run(() => phase.IngestLoop(client, firstLiveBatch, stop.Token)));
        await Task.WhenAll(searchers);
        phase.Elapsed = clock.Elapsed;
        phase._sorted = phase._latencies.Select(l => l.Ms).Order().ToList();
        return phase;
    }

    private async Task SearchLoop(SearchServiceClient client, int id, CancellationToken stop)
    {
        var random = new Random(id);
        var modes = new[] { SearchMode.Keyword, SearchMode.Vector, SearchMode.Hybrid };
        for (long n = 0; !stop.IsCancellationRequested; n++)
        {
            var mode = modes[(id + n) % modes.Length];
            var request = new SearchRequest { Text = BenchCorpus.Query(random), Mode = mode, TopK = 10 };
            var clock = Stopwatch.StartNew();
            try
            {
                var response = await client.SearchAsync(request, SearchServiceClient.Within(TimeSpan.FromSeconds(30)));
                if (response.Hits.Count == 0 && mode != SearchMode.Keyword) throw new InvalidOperationException("vector search returned nothing");
                _latencies.Add((mode, clock.Elapsed.TotalMilliseconds));
                Interlocked.Increment(ref SearchOk);
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref SearchFailed) <= 5) Console.Error.WriteLine($"search failed: {e.Message}");
            }
        }
    }

    private async Task IngestLoop(SearchServiceClient client, int firstBatch, CancellationToken stop)
    {
        for (int batch = firstBatch; !stop.IsCancellationRequested; batch++)
        {
            var docs = Enumerable.Range(batch * 50, 50).Select(i => BenchCorpus.Document("live", i)).ToList();
            try
            {
                var r = await client.UpsertAsync(docs, SearchServiceClient.Within(TimeSpan.FromSeconds(60)));
                Interlocked.Add(ref DocumentsIngested, r.Added + r.Updated);
                Interlocked.Increment(ref UpsertCalls);
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref UpsertFailed) <= 5) Console.Error.WriteLine($"upsert failed: {e.Message}");
            }
        }
    }
}
