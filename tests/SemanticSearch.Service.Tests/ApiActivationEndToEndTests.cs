using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Client;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The product's whole loop through a real `semsearch serve` process: ingest, search, classify,
/// fine-tune with held-out evaluation streamed by WatchJob, activate the trained model, watch the
/// re-embedding to completion, search again with the new model, and restart onto it.
/// </summary>
public sealed class ApiActivationEndToEndTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-e2e-activate-" + Guid.NewGuid().ToString("N")[..8]);
    private string IndexDirectory => Path.Combine(_root, "index");
    private ApiServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        string model = Path.Combine(_root, "model");
        ApiTestCorpus.WriteTinyModel(model, withClassifierHead: true);
        _server = await ApiServerProcess.StartAsync("--index", IndexDirectory, "--model", model, "--port", "0");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static async Task<List<JobEvent>> WatchToEnd(SearchServiceClient client, string id)
    {
        var events = new List<JobEvent>();
        await foreach (var e in client.WatchJobAsync(id, SearchServiceClient.Within(TimeSpan.FromMinutes(3)))) events.Add(e);
        return events;
    }

    private static async Task<string> VectorRanking(SearchServiceClient client, string text) =>
        string.Join(", ", (await client.SearchAsync(new SearchRequest { Text = text, Mode = SearchMode.Vector, TopK = 12 })).Hits.Select(h => $"{h.Id}={h.VectorScore:F6}"));

    [Fact]
    public async Task Ingest_search_classify_fine_tune_with_evaluation_activate_and_search_with_the_new_model()
    {
        using var client = _server.Client(null);
        Assert.Equal(12, (await client.UpsertAsync(ApiTestCorpus.Documents())).Added);
        Assert.Equal("exchange-rate", (await client.SearchAsync(new SearchRequest { Text = "exchange rate", Mode = SearchMode.Keyword })).Hits[0].Id);
        string before = await VectorRanking(client, "where is my new card");
        var classify = new ClassifyRequest();
        classify.Texts.Add("lost card");
        Assert.Contains(Assert.Single((await client.ClassifyAsync(classify)).Results[0].Labels).Label, ApiTestCorpus.HeadLabels);
        string baseFingerprint = (await client.StatsAsync()).ModelFingerprint;

        // Fine-tune: 12 title → text pairs, a quarter held out and evaluated as retrieval every step.
        var start = new StartFineTuneRequest
        {
            Description = "e2e activate",
            Pairs = new PairList(),
            Options = new TrainingOptions { BatchSize = 3, Epochs = 2, LearningRate = 1e-3, Seed = 5, EvalFraction = 0.25, EvalSteps = 1 },
        };
        foreach (var d in ApiTestCorpus.Documents()) start.Pairs.Pairs.Add(new TrainingPair { TextA = d.Title, TextB = d.Text });
        var job = await client.StartFineTuneAsync(start);
        var events = await WatchToEnd(client, job.JobId);
        var last = events[^1];
        Assert.True(last.Job.State == JobState.Succeeded, $"job ended {last.Job.State}: {last.Job.Message}");
        Assert.Equal(6, last.Job.TotalSteps); // 9 training pairs in batches of 3, two epochs
        var ndcg = Assert.Single(last.Metrics, m => m.Name == "ndcg@10");
        Assert.InRange(ndcg.Value, 0, 1);
        Assert.Contains(last.Metrics, m => m.Name == "accuracy@1");
        Assert.True(last.Loss > 0 && double.IsFinite(last.Loss), $"loss {last.Loss}");

        // Activate it and watch the re-embedding to the end.
        var activation = await client.ActivateModelAsync(new ActivateModelRequest { JobId = job.JobId });
        Assert.Equal(12, activation.Documents);
        Assert.NotEqual(baseFingerprint, activation.PendingModelFingerprint);
        Assert.False(activation.DimensionChanges);
        var done = (await WatchToEnd(client, activation.ActivationId))[^1];
        Assert.True(done.Job.State == JobState.Succeeded, $"activation ended {done.Job.State}: {done.Job.Message}");
        Assert.Equal((12L, 12L), (done.Job.Step, done.Job.TotalSteps));

        var stats = await client.StatsAsync();
        Assert.Equal(activation.PendingModelFingerprint, stats.ModelFingerprint);
        Assert.Equal(("", 12L), (stats.PendingModelFingerprint, stats.Vectors));
        string after = await VectorRanking(client, "where is my new card");
        Assert.NotEqual(before, after); // scored by the fine-tuned model now
        var encoded = await client.EncodeAsync(new EncodeRequest { Texts = { "where is my new card" } });
        Assert.Equal(activation.PendingModelFingerprint, encoded.ModelFingerprint);
        Assert.Single((await client.ClassifyAsync(classify)).Results);
        Assert.Contains((await client.ListJobsAsync()).Jobs, j => j.JobId == activation.ActivationId && j.State == JobState.Succeeded);

        // The index remembers its model: a restart without --model serves the activated one.
        Assert.Equal(0, await _server.TerminateAsync(TimeSpan.FromSeconds(30)));
        await _server.DisposeAsync();
        _server = await ApiServerProcess.StartAsync("--index", IndexDirectory, "--port", "0");
        using var restarted = _server.Client(null);
        Assert.Equal(activation.PendingModelFingerprint, (await restarted.StatsAsync()).ModelFingerprint);
        Assert.Equal(after, await VectorRanking(restarted, "where is my new card"));
    }
}
