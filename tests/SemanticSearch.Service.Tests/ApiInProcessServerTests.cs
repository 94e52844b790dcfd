using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Hosting;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The product server hosted in the test process: concurrent reads during ingestion, commit
/// visibility while an Upsert stream is still open, shutdown refusing new calls.
/// </summary>
public sealed class ApiInProcessServerTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-api-inproc-" + Guid.NewGuid().ToString("N")[..8]);
    private ProductServer _server = null!;

    public async Task InitializeAsync()
    {
        string model = Path.Combine(_root, "model");
        ApiTestCorpus.WriteTinyModel(model);
        _server = ProductServer.Create(new ServerSettings { IndexDirectory = Path.Combine(_root, "index"), ModelDirectory = model, Port = 0, Searchers = 2 },
            NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Committed_batches_of_an_open_upsert_stream_are_searchable_and_searches_never_fail_meanwhile()
    {
        using var client = new Client.SearchServiceClient(_server.Address);
        await client.UpsertAsync(ApiTestCorpus.Documents());
        using var stop = new CancellationTokenSource();
        long ok = 0;
        var failures = new List<Exception>();
        var searchers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            var mode = i % 2 == 0 ? SearchMode.Keyword : SearchMode.Hybrid;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var r = await client.SearchAsync(new SearchRequest { Text = "card", Mode = mode, TopK = 5 });
                    Assert.NotEmpty(r.Hits);
                    Interlocked.Increment(ref ok);
                }
                catch (Exception e) { lock (failures) failures.Add(e); }
            }
        })).ToList();

        using var call = client.StartUpsert();
        var pending = call.ResponseAsync;
        // Two full batches (the server commits every 64 documents), then keep the stream open.
        for (int i = 0; i < 2 * Api.SearchApiService.UpsertBatchSize; i++)
            await call.RequestStream.WriteAsync(new UpsertRequest { Document = ApiTestCorpus.Doc($"stream-{i}", "", $"zebracorn streamed document {i}") });
        long visible = 0;
        for (int attempt = 0; attempt < 100 && visible < 2 * Api.SearchApiService.UpsertBatchSize; attempt++)
        {
            await Task.Delay(100);
            visible = (await client.SearchAsync(new SearchRequest { Text = "zebracorn", Mode = SearchMode.Keyword, TopK = 1000 })).Hits.Count;
        }
        Assert.Equal(2 * Api.SearchApiService.UpsertBatchSize, visible);
        await call.RequestStream.WriteAsync(new UpsertRequest { Document = ApiTestCorpus.Doc("stream-last", "", "zebracorn last one") });
        await call.RequestStream.CompleteAsync();
        var response = await pending;
        Assert.Equal(2 * Api.SearchApiService.UpsertBatchSize + 1, response.Added);

        stop.Cancel();
        await Task.WhenAll(searchers);
        Assert.Empty(failures);
        Assert.True(ok > 0);
        Assert.Equal(2 * Api.SearchApiService.UpsertBatchSize + 1, (await client.SearchAsync(new SearchRequest { Text = "zebracorn", Mode = SearchMode.Keyword, TopK = 1000 })).Hits.Count);
    }

    [Fact]
    public async Task After_stop_begins_new_calls_are_UNAVAILABLE_or_refused_and_health_is_not_serving()
    {
        using var client = new Client.SearchServiceClient(_server.Address);
        Assert.Equal(0, (await client.StatsAsync()).Documents);
        // Hold one call open so the drain phase (where new calls get UNAVAILABLE) lasts.
        using var open = client.StartUpsert();
        var held = open.ResponseAsync;
        for (int i = 0; i < Api.SearchApiService.UpsertBatchSize; i++)
            await open.RequestStream.WriteAsync(new UpsertRequest { Document = ApiTestCorpus.Doc($"held-{i}", "", "held open during shutdown") });
        // One batch committed: the call is certainly in flight on the server.
        for (int i = 0; i < 100 && (await client.StatsAsync()).Documents == 0; i++) await Task.Delay(50);
        var stopping = _server.StopAsync();
        await Task.Delay(200);
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.StatsAsync());
        Assert.Equal(RpcStatus.Unavailable, e.StatusCode);
        await open.RequestStream.CompleteAsync();
        Assert.Equal(Api.SearchApiService.UpsertBatchSize, (await held).Added);
        await stopping;
    }
}
