using System.Diagnostics;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Client;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>One real `semsearch serve` process (with an API key) shared by the end-to-end tests.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    public const string ApiKey = "e2e-secret";
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "semsearch-api-e2e-" + Guid.NewGuid().ToString("N")[..8]);
    public string IndexDirectory => Path.Combine(Root, "index");
    public string ModelDirectory => Path.Combine(Root, "model");
    internal ApiServerProcess Server { get; private set; } = null!;
    public UpsertResponse Ingested { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ApiTestCorpus.WriteTinyModel(ModelDirectory, withClassifierHead: true);
        Server = await ApiServerProcess.StartAsync("--index", IndexDirectory, "--model", ModelDirectory, "--port", "0", "--api-key", ApiKey);
        using var client = Server.Client(ApiKey);
        // One bad document in the middle: the stream must go on and report it by position.
        var docs = ApiTestCorpus.Documents().ToList();
        docs.Insert(5, new Document { Id = "bad", Text = "   " });
        Ingested = await client.UpsertAsync(docs);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// The product API through a real server process: ingest, every search mode, paging, tags,
/// similar, get, delete, stats, encode, error statuses, deadlines, auth and the call log.
/// </summary>
public sealed class ApiEndToEndTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private SearchServiceClient Client() => fixture.Server.Client(ApiServerFixture.ApiKey);

    [Fact]
    public void Upsert_stream_commits_good_documents_and_reports_the_bad_one_by_position()
    {
        var r = fixture.Ingested;
        Assert.Equal(13, r.Received);
        Assert.True(r.Added >= 12, $"added {r.Added}");
        Assert.Equal(1, r.Failed);
        var error = Assert.Single(r.Errors);
        Assert.Equal("bad", error.Id);
        Assert.Equal(5, error.Position);
        Assert.Contains("text must not be empty", error.Message);
    }

    [Fact]
    public async Task Keyword_search_ranks_the_matching_document_first_with_a_highlighted_snippet()
    {
        using var client = Client();
        var response = await client.SearchAsync(new SearchRequest { Text = "exchange rate", Mode = SearchMode.Keyword, TopK = 3 });
        var top = response.Hits[0];
        Assert.Equal("exchange-rate", top.Id);
        Assert.Equal(1, top.Rank);
        Assert.Contains("[exchange]", top.Snippet, StringComparison.OrdinalIgnoreCase);
        Assert.True(top.HasKeywordScore && !top.HasVectorScore);
        Assert.Contains("currency", top.Tags);
    }

    [Fact]
    public async Task Tag_filter_applies_before_top_k_and_paging_continues_ranks()
    {
        using var client = Client();
        var filtered = new SearchRequest { Text = "card", Mode = SearchMode.Keyword, TopK = 10 };
        filtered.Tags.Add("faq");
        var hits = (await client.SearchAsync(filtered)).Hits;
        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.Contains("faq", h.Tags));
        Assert.DoesNotContain(hits, h => h.Id == "card-pin");

        var all = (await client.SearchAsync(new SearchRequest { Text = "card", Mode = SearchMode.Keyword, TopK = 4 })).Hits;
        var page2 = (await client.SearchAsync(new SearchRequest { Text = "card", Mode = SearchMode.Keyword, TopK = 2, Offset = 2 })).Hits;
        Assert.Equal(4, all.Count);
        Assert.Equal(all.Skip(2).Select(h => h.Id), page2.Select(h => h.Id));
        Assert.Equal([3, 4], page2.Select(h => h.Rank));
    }

    [Fact]
    public async Task Vector_and_hybrid_search_return_vector_scores_and_fused_scores()
    {
        using var client = Client();
        var vector = await client.SearchAsync(new SearchRequest { Text = "where is my new card", Mode = SearchMode.Vector, TopK = 12 });
        Assert.Equal(SearchMode.Vector, vector.Mode);
        Assert.True(vector.Hits.Count >= 11, $"{vector.Hits.Count} hits"); // every live document has vectors
        Assert.All(vector.Hits, h => Assert.True(h.HasVectorScore && h.VectorScore is >= -1.0001 and <= 1.0001));
        Assert.Equal(vector.Hits.Select(h => h.Score).OrderByDescending(s => s), vector.Hits.Select(h => h.Score));

        var hybrid = await client.SearchAsync(new SearchRequest { Text = "transfer fee", Mode = SearchMode.Hybrid, TopK = 5, Fusion = Fusion.Linear, Alpha = 0.0 });
        // alpha 0: only the keyword leg counts, so the BM25 winner leads.
        Assert.Equal("transfer-fee", hybrid.Hits[0].Id);
        Assert.True(hybrid.Hits[0].HasKeywordScore && hybrid.Hits[0].HasVectorScore);
    }

    [Fact]
    public async Task FindSimilar_by_id_excludes_the_document_and_unknown_id_is_NOT_FOUND()
    {
        using var client = Client();
        var similar = await client.FindSimilarAsync(new FindSimilarRequest { DocumentId = "refund", TopK = 5 });
        Assert.Equal(5, similar.Hits.Count);
        Assert.DoesNotContain(similar.Hits, h => h.Id == "refund");
        var byText = await client.FindSimilarAsync(new FindSimilarRequest { Text = "refund from a merchant", TopK = 3 });
        Assert.Equal(3, byText.Hits.Count);
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.FindSimilarAsync(new FindSimilarRequest { DocumentId = "no-such-doc" }));
        Assert.Equal(RpcStatus.NotFound, e.StatusCode);
        Assert.Contains("no-such-doc", e.Status.Detail);
    }

    [Fact]
    public async Task Get_returns_the_stored_document_and_unknown_id_is_NOT_FOUND()
    {
        using var client = Client();
        var doc = await client.GetAsync("card-lost");
        Assert.Equal("Lost card", doc.Title);
        Assert.StartsWith("I lost my card", doc.Text);
        Assert.Equal(["cards", "faq"], doc.Tags);
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.GetAsync("missing"));
        Assert.Equal(RpcStatus.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Delete_by_id_and_by_tag_removes_documents_and_stats_follow()
    {
        using var client = Client();
        var extra = new[] { ApiTestCorpus.Doc("tmp-1", "Temp one", "temporary document one", "temp"), ApiTestCorpus.Doc("tmp-2", "Temp two", "temporary document two", "temp"), ApiTestCorpus.Doc("tmp-3", "Temp three", "temporary document three") };
        Assert.Equal(3, (await client.UpsertAsync(extra)).Added);
        long before = (await client.StatsAsync()).Documents;

        var byId = new DeleteRequest { Ids = new IdList() };
        byId.Ids.Ids.Add("tmp-3");
        byId.Ids.Ids.Add("never-existed");
        Assert.Equal(1, (await client.DeleteAsync(byId)).Deleted);
        Assert.Equal(2, (await client.DeleteAsync(new DeleteRequest { Tag = "temp" })).Deleted);

        var stats = await client.StatsAsync();
        Assert.Equal(before - 3, stats.Documents);
        Assert.True(stats.VectorSearchAvailable);
        Assert.Equal(ApiTestCorpus.Dimension, stats.Dimension);
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.GetAsync("tmp-1"));
        // The searcher sees the delete at once.
        var hits = (await client.SearchAsync(new SearchRequest { Text = "temporary", Mode = SearchMode.Keyword })).Hits;
        Assert.Empty(hits);
    }

    [Fact]
    public async Task Encode_returns_one_deterministic_vector_per_text()
    {
        using var client = Client();
        var request = new EncodeRequest();
        request.Texts.AddRange(["lost card", "exchange rate", "lost card"]);
        var response = await client.EncodeAsync(request);
        Assert.Equal(ApiTestCorpus.Dimension, response.Dimension);
        Assert.Equal(3, response.Embeddings.Count);
        Assert.All(response.Embeddings, e => Assert.Equal(ApiTestCorpus.Dimension, e.Values.Count));
        Assert.Equal(response.Embeddings[0].Values, response.Embeddings[2].Values);
        Assert.NotEqual(response.Embeddings[0].Values, response.Embeddings[1].Values);
        Assert.Equal(64, response.ModelFingerprint.Length);
    }

    [Fact]
    public async Task An_unset_mode_is_hybrid_on_an_index_with_vectors()
    {
        using var client = Client();
        var response = await client.SearchAsync(new SearchRequest { Text = "card" });
        Assert.Equal(SearchMode.Hybrid, response.Mode);
        Assert.NotEmpty(response.Hits);
    }

    [Theory]
    [InlineData("", 1, 10, "text must not be empty")]
    [InlineData("card", 1, -1, "top_k must be between 1 and 10000")]
    [InlineData("card", 1, 10001, "top_k must be between 1 and 10000")]
    [InlineData("card", 0, 10_001, "top_k must be between 1 and 10000")]
    [InlineData("card", 9, 10, "mode 9 is not a known SearchMode")]
    public async Task Bad_search_requests_are_INVALID_ARGUMENT_naming_the_field(string text, int mode, int topK, string expected)
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.SearchAsync(new SearchRequest { Text = text, Mode = (SearchMode)mode, TopK = topK }));
        Assert.Equal(RpcStatus.InvalidArgument, e.StatusCode);
        Assert.Contains(expected, e.Status.Detail);
    }

    [Fact]
    public async Task Missing_or_wrong_api_key_is_UNAUTHENTICATED()
    {
        using var anonymous = fixture.Server.Client(null);
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => anonymous.StatsAsync());
        Assert.Equal(RpcStatus.Unauthenticated, e.StatusCode);
        using var wrong = fixture.Server.Client("not-the-key");
        Assert.Equal(RpcStatus.Unauthenticated, (await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => wrong.StatsAsync())).StatusCode);
    }

    [Fact]
    public async Task Upsert_stream_left_open_past_its_deadline_ends_DEADLINE_EXCEEDED_and_the_server_keeps_serving()
    {
        using var client = Client();
        var clock = Stopwatch.StartNew();
        using var call = client.StartUpsert(SearchServiceClient.Within(TimeSpan.FromMilliseconds(500)));
        await call.RequestStream.WriteAsync(new UpsertRequest { Document = ApiTestCorpus.Doc("deadline-doc", "", "written before the deadline") });
        // Never complete the stream: only the deadline can end this call.
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => call.ResponseAsync);
        Assert.Equal(RpcStatus.DeadlineExceeded, e.StatusCode);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.4, 10);
        Assert.Equal("exchange-rate", (await client.SearchAsync(new SearchRequest { Text = "exchange rate", Mode = SearchMode.Keyword })).Hits[0].Id);
    }

    [Fact]
    public async Task Classify_returns_probabilities_over_the_heads_labels_best_first()
    {
        using var client = Client();
        var request = new ClassifyRequest { TopLabels = 3 };
        request.Texts.AddRange(["lost card", "transfer fee"]);
        var response = await client.ClassifyAsync(request);
        Assert.Equal(2, response.Results.Count);
        foreach (var result in response.Results)
        {
            Assert.Equal(ApiTestCorpus.HeadLabels.Order(), result.Labels.Select(l => l.Label).Order());
            Assert.Equal(1.0, result.Labels.Sum(l => l.Score), 4); // softmax
            Assert.Equal(result.Labels.Select(l => l.Score).OrderByDescending(x => x), result.Labels.Select(l => l.Score));
            Assert.Equal(result.Labels[0].Label, Assert.Single(result.AssignedLabels)); // threshold 0: the most probable
        }
        request.TopLabels = 1;
        var again = await client.ClassifyAsync(request);
        Assert.Equal(response.Results[0].Labels[0], Assert.Single(again.Results[0].Labels));
        var empty = new ClassifyRequest();
        empty.Texts.Add(" ");
        Assert.Equal(RpcStatus.InvalidArgument, (await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.ClassifyAsync(empty))).StatusCode);
    }

    [Fact]
    public async Task Fine_tune_job_runs_to_SUCCEEDED_streaming_steps_and_ActivateModel_of_an_unknown_job_is_NOT_FOUND()
    {
        using var client = Client();
        var start = new StartFineTuneRequest
        {
            Description = "e2e fine-tune",
            Pairs = new PairList(),
            Options = new TrainingOptions { BatchSize = 4, Epochs = 1, LearningRate = 1e-4, Seed = 1 },
        };
        foreach (var d in ApiTestCorpus.Documents().Take(8)) start.Pairs.Pairs.Add(new TrainingPair { TextA = d.Title, TextB = d.Text });
        var job = await client.StartFineTuneAsync(start);
        Assert.StartsWith("ft-", job.JobId);
        var events = new List<JobEvent>();
        await foreach (var e in client.WatchJobAsync(job.JobId, SearchServiceClient.Within(TimeSpan.FromMinutes(3)))) events.Add(e);
        var last = events[^1];
        Assert.True(last.Job.State == JobState.Succeeded, $"job ended {last.Job.State}: {last.Job.Message}");
        Assert.Equal((2L, 2L), (last.Job.Step, last.Job.TotalSteps)); // 8 pairs, batch 4, 1 epoch
        Assert.True(last.Loss > 0 && double.IsFinite(last.Loss), $"loss {last.Loss}");
        Assert.True(File.Exists(Path.Combine(last.Job.OutputModel, "config.json")), $"no model in {last.Job.OutputModel}");
        Assert.Contains((await client.ListJobsAsync()).Jobs, j => j.JobId == job.JobId && j.State == JobState.Succeeded);
        // Activation itself runs in ApiActivationEndToEndTests (it would change this shared server's model).
        var a = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.ActivateModelAsync(new ActivateModelRequest { JobId = "ft-none" }));
        Assert.Equal(RpcStatus.NotFound, a.StatusCode);
        Assert.Equal(RpcStatus.NotFound, (await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.CancelJobAsync("ft-none"))).StatusCode);
        var badLr = new StartFineTuneRequest { Pairs = new PairList(), Options = new TrainingOptions { LearningRate = -1 } };
        badLr.Pairs.Pairs.Add(new TrainingPair { TextA = "a", TextB = "b" });
        Assert.Contains("options.learning_rate", (await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.StartFineTuneAsync(badLr))).Status.Detail);
    }

    [Fact]
    public async Task Every_call_gets_one_log_line_with_method_status_and_duration()
    {
        using var client = Client();
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.GetAsync("log-line-probe"));
        string log = "";
        for (int i = 0; i < 50 && !log.Contains("status=NOT_FOUND"); i++)
        {
            await Task.Delay(100);
            log = fixture.Server.Stderr;
        }
        Assert.Matches(@"call /semanticsearch\.v1\.SearchService/Get status=NOT_FOUND duration_ms=\d+", log);
        Assert.Matches(@"call /semanticsearch\.v1\.SearchService/Upsert status=OK", log);
    }

    [Fact]
    public async Task Cli_remote_search_queries_the_running_server()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { ApiServerProcess.SemsearchDll, "remote-search", "--server", fixture.Server.Address.ToString(), "--api-key", ApiServerFixture.ApiKey, "--query", "passport", "--top", "2" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string stdout = await process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, stderr);
        Assert.Contains("verify", stdout);
        Assert.Contains("Verify identity", stdout);
    }
}
