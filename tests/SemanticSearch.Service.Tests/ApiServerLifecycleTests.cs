using SemanticSearch.Service.Api.V1;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// Server processes started and stopped per test: SIGTERM shutdown finishing an in-flight upsert,
/// data surviving a restart, and a keyword-only index refusing vector search.
/// </summary>
public sealed class ApiServerLifecycleTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-api-life-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Sigterm_finishes_the_in_flight_upsert_exits_0_and_a_restart_serves_every_acknowledged_document()
    {
        string index = Path.Combine(_root, "index");
        UpsertResponse acknowledged;
        await using (var server = await ApiServerProcess.StartAsync("--index", index, "--port", "0"))
        {
            using var client = server.Client(null);
            using var call = client.StartUpsert();
            var response = call.ResponseAsync;
            for (int i = 0; i < 200; i++)
                await call.RequestStream.WriteAsync(new UpsertRequest { Document = ApiTestCorpus.Doc($"doc-{i}", "", $"shutdown document number {i}") });
            // The first batches are committed by now, so the call is in flight on the server.
            await WaitUntilAsync(async () => (await client.StatsAsync()).Documents >= 128, server);
            // SIGTERM while the stream is still open: the drain lets this call finish.
            var terminated = server.TerminateAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(500);
            await call.RequestStream.CompleteAsync();
            try
            {
                acknowledged = await response;
            }
            catch (Grpc.Core.RpcException e)
            {
                throw new Xunit.Sdk.XunitException($"upsert ended {e.StatusCode}: {e.Status.Detail}\nserver log:\n{server.Stderr}");
            }
            Assert.Equal(0, await terminated);
            Assert.Contains("shutting down gracefully", server.Stderr);
        }
        Assert.Equal(200, acknowledged.Added);

        await using var restarted = await ApiServerProcess.StartAsync("--index", index, "--port", "0");
        using var again = restarted.Client(null);
        Assert.Equal(200, (await again.StatsAsync()).Documents);
        Assert.Equal("doc-137", (await again.GetAsync("doc-137")).Id);
    }

    [Fact]
    public async Task Vector_search_on_a_keyword_only_index_is_FAILED_PRECONDITION_and_keyword_search_works()
    {
        await using var server = await ApiServerProcess.StartAsync("--index", Path.Combine(_root, "kw"), "--port", "0");
        using var client = server.Client(null);
        await client.UpsertAsync(ApiTestCorpus.Documents());
        var stats = await client.StatsAsync();
        Assert.False(stats.VectorSearchAvailable);
        Assert.Equal("", stats.ModelFingerprint);

        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.SearchAsync(new SearchRequest { Text = "card", Mode = SearchMode.Vector }));
        Assert.Equal(RpcStatus.FailedPrecondition, e.StatusCode);
        Assert.Contains("keyword-only", e.Status.Detail);
        var encode = new EncodeRequest();
        encode.Texts.Add("card");
        Assert.Equal(RpcStatus.FailedPrecondition, (await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.EncodeAsync(encode))).StatusCode);
        var classify = new ClassifyRequest();
        classify.Texts.Add("card");
        var c = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.ClassifyAsync(classify));
        Assert.Equal(RpcStatus.FailedPrecondition, c.StatusCode);
        Assert.Contains("no classifier head", c.Status.Detail);

        Assert.Equal("card-lost", (await client.SearchAsync(new SearchRequest { Text = "lost card", Mode = SearchMode.Keyword })).Hits[0].Id);
    }

    [Fact]
    public async Task Settings_come_from_SEMSEARCH_environment_variables_and_a_bad_value_is_named()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ApiServerProcess.SemsearchDll);
        start.ArgumentList.Add("serve");
        start.Environment["SEMSEARCH_INDEX"] = Path.Combine(_root, "env");
        start.Environment["SEMSEARCH_PORT"] = "not-a-port";
        using var process = System.Diagnostics.Process.Start(start)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("port must be an integer between 0 and 65535, got 'not-a-port'", stderr);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, ApiServerProcess server)
    {
        for (int i = 0; i < 200; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        throw new TimeoutException("condition not reached; server log:\n" + server.Stderr);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
