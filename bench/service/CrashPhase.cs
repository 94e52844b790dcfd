using System.Collections.Concurrent;
using SemanticSearch.Service.Client;

namespace SemanticSearch.Bench.Service;

/// <summary>
/// Four concurrent ingesters send 20-document Upsert calls; after a while the server is killed with
/// SIGKILL. A call that returned a response was acknowledged: its documents must survive.
/// </summary>
internal sealed class CrashPhase
{
    public ConcurrentBag<string> AcknowledgedIds { get; } = new();
    public long AcknowledgedCalls, CutCalls;

    public static async Task<CrashPhase> RunAsync(SearchServiceClient client, Action killServer)
    {
        var phase = new CrashPhase();
        int next = 0;
        using var killed = new CancellationTokenSource();
        async Task Ingest()
        {
            while (!killed.IsCancellationRequested)
            {
                int start = Interlocked.Add(ref next, 20) - 20;
                var docs = Enumerable.Range(start, 20).Select(i => BenchCorpus.Document("crash", i)).ToList();
                try
                {
                    var r = await client.UpsertAsync(docs);
                    if (r.Failed != 0) throw new InvalidOperationException($"{r.Failed} documents refused");
                    foreach (var d in docs) phase.AcknowledgedIds.Add(d.Id);
                    Interlocked.Increment(ref phase.AcknowledgedCalls);
                }
                catch (Grpc.Core.RpcException)
                {
                    Interlocked.Increment(ref phase.CutCalls);
                    return; // the server is gone
                }
            }
        }
        var ingesters = Enumerable.Range(0, 4).Select(_ => Task.Run(Ingest)).ToList();
        await Task.Delay(TimeSpan.FromSeconds(3));
        killServer();
        killed.Cancel();
        await Task.WhenAll(ingesters).WaitAsync(TimeSpan.FromSeconds(60));
        return phase;
    }
}
