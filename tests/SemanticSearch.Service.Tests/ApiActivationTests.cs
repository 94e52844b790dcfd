using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Reembedding;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Client;
using SemanticSearch.Service.Hosting;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// ActivateModel on an in-process server: background re-embedding while searches keep the old model,
/// writes during the re-embedding, switch-over, refusals, cancel, and resuming after a restart. The
/// model loader is wrapped in a gate so a test can hold an activation mid-way without timing.
/// </summary>
public sealed class ApiActivationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-activate-" + Guid.NewGuid().ToString("N")[..8]);
    private string IndexDirectory => Path.Combine(_root, "index");
    private string OldModel => Path.Combine(_root, "model-old");

    public ApiActivationTests() => ApiTestCorpus.WriteTinyModel(OldModel);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>Another tiny random model (other weights, and another width when asked).</summary>
    private string NewModel(string name, int hidden = 32, int seed = 11)
    {
        string dir = Path.Combine(_root, name);
        if (Directory.Exists(dir)) return dir;
        RandomModelWriter.Write(dir, ApiTestCorpus.Vocab, new BertConfig
        {
            VocabSize = File.ReadLines(ApiTestCorpus.Vocab).Count(), HiddenSize = hidden, NumHiddenLayers = 1, NumAttentionHeads = 2,
            IntermediateSize = 2 * hidden, MaxPositionEmbeddings = 128,
        }, new RandomModelOptions { Seed = seed });
        return dir;
    }

    /// <summary>Encodes only while the gate is open (each EncodeIds call takes one permit when gated).</summary>
    private sealed class GatedEncoder(ITextEncoder inner, SemaphoreSlim? gate) : ITextEncoder
    {
        public EncoderIdentity Identity => inner.Identity;
        public int ClsId => inner.ClsId;
        public int SepId => inner.SepId;
        public int[] TokenIds(string text) => inner.TokenIds(text);
        public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize)
        {
            if (gate is not null && !gate.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("the test never opened the encoder gate");
            return inner.EncodeIds(sequences, batchSize);
        }
    }

    private ProductServer Server(SemaphoreSlim? gate = null) => ProductServer.Create(
        new ServerSettings { IndexDirectory = IndexDirectory, ModelDirectory = null, Port = 0, Searchers = 2, ModelRoots = [_root] },
        NullLoggerFactory.Instance, modelLoader: path => new GatedEncoder(SentenceEncoderAdapter.Load(path), gate));

    private async Task<ProductServer> StartedServer(SemaphoreSlim? gate = null)
    {
        if (!Directory.Exists(IndexDirectory))
        {
            // Bind the index to the old model once; later starts read the model from the index.
            using var bind = Index.IndexWriter.Open(IndexDirectory, SentenceEncoderAdapter.Load(OldModel), OldModel);
        }
        var server = Server(gate);
        await server.StartAsync();
        return server;
    }

    private static async Task<List<JobEvent>> WatchToEnd(SearchServiceClient client, string id)
    {
        var events = new List<JobEvent>();
        await foreach (var e in client.WatchJobAsync(id, SearchServiceClient.Within(TimeSpan.FromMinutes(2)))) events.Add(e);
        return events;
    }

    private static async Task<string> VectorRanking(SearchServiceClient client, string text) =>
        string.Join(", ", (await client.SearchAsync(new SearchRequest { Text = text, Mode = SearchMode.Vector, TopK = 20 })).Hits.Select(h => $"{h.Id}={h.VectorScore:F5}"));

    [Fact]
    public async Task Searches_use_the_old_model_until_the_switch_and_writes_meanwhile_end_up_under_the_new_model()
    {
        var gate = new SemaphoreSlim(0);
        await using var server = await StartedServer(gate);
        using var client = new SearchServiceClient(server.Address);
        await client.UpsertAsync(ApiTestCorpus.Documents().Concat(Enumerable.Range(0, 150).Select(i => ApiTestCorpus.Doc($"bulk-{i}", "", $"bulk document number {i} about cards and transfers"))));
        var oldStats = await client.StatsAsync();
        string oldRanking = await VectorRanking(client, "my card was stolen");

        string model = NewModel("model-new");
        var started = await client.ActivateModelAsync(new ActivateModelRequest { ModelPath = model });
        Assert.StartsWith("act-", started.ActivationId);
        Assert.Equal(162, started.Documents);
        Assert.Equal(JobState.Running, started.Activation.State);
        Assert.False(started.DimensionChanges);
        Assert.Equal(SentenceEncoderAdapter.Load(model).Identity.Fingerprint, started.PendingModelFingerprint);
        // The same model again: the running activation, not a second one.
        Assert.Equal(started.ActivationId, (await client.ActivateModelAsync(new ActivateModelRequest { ModelPath = model })).ActivationId);
        // Another model while one runs: ABORTED, naming the running one.
        var second = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.ActivateModelAsync(new ActivateModelRequest { ModelPath = NewModel("model-third", seed: 12) }));
        Assert.Equal(RpcStatus.Aborted, second.StatusCode);
        Assert.Contains(started.ActivationId, second.Status.Detail);

        gate.Release(); // one batch of 64 documents is staged, the next waits
        var stats = await client.StatsAsync();
        Assert.Equal(oldStats.ModelFingerprint, stats.ModelFingerprint);
        Assert.Equal(started.PendingModelFingerprint, stats.PendingModelFingerprint);
        Assert.Equal(oldRanking, await VectorRanking(client, "my card was stolen")); // old model, old vectors

        // Writes during the re-embedding: a staged document changes, one is deleted, one is added.
        await client.UpsertAsync([ApiTestCorpus.Doc("card-lost", "Stolen card", "my card was stolen yesterday evening", "cards"), ApiTestCorpus.Doc("late", "Late", "a document added while the index re-embeds")]);
        var delete = new DeleteRequest { Ids = new IdList() };
        delete.Ids.Ids.Add("refund");
        Assert.Equal(1, (await client.DeleteAsync(delete)).Deleted);

        gate.Release(1000);
        var events = await WatchToEnd(client, started.ActivationId);
        var last = events[^1];
        Assert.True(last.Job.State == JobState.Succeeded, $"{last.Job.State}: {last.Job.Message}");
        Assert.Equal(162, last.Job.Step); // 162 + 1 added - 1 deleted
        Assert.Equal(last.Job.TotalSteps, last.Job.Step);
        Assert.Contains(last.Metrics, m => m.Name == "documents_per_second" && m.Value > 0);

        var after = await client.StatsAsync();
        Assert.Equal(started.PendingModelFingerprint, after.ModelFingerprint);
        Assert.Equal("", after.PendingModelFingerprint);
        Assert.Equal(162, after.Documents);
        Assert.Equal(162, after.Vectors);
        Assert.True(after.VectorSearchAvailable);
        var encoded = await client.EncodeAsync(new EncodeRequest { Texts = { "my card was stolen" } });
        Assert.Equal(started.PendingModelFingerprint, encoded.ModelFingerprint);

        // The served vectors are exactly what the new model makes of the final documents.
        string reference = Path.Combine(_root, "reference");
        using (var w = Index.IndexWriter.Open(reference, SentenceEncoderAdapter.Load(model)))
        {
            var finalDocs = new List<Index.SourceDocument>();
            await foreach (var id in AllIds(client)) { var d = await client.GetAsync(id); finalDocs.Add(new Index.SourceDocument(d.Id, d.Title, d.Text, d.Tags.ToList())); }
            w.Upsert(finalDocs);
        }
        using (var s = Index.IndexSearcher.Open(reference, SentenceEncoderAdapter.Load(model)))
        {
            var expected = s.Search(new Index.Search.SearchRequest("my card was stolen") { Mode = Index.Search.SearchMode.Vector, Top = 20 }).Hits;
            Assert.Equal(string.Join(", ", expected.Select(h => $"{h.Id}={h.VectorScore:F5}")), await VectorRanking(client, "my card was stolen"));
        }
        Assert.NotEqual(oldRanking, await VectorRanking(client, "my card was stolen"));
        // Further ingest embeds with the new model.
        await client.UpsertAsync([ApiTestCorpus.Doc("after", "After", "written after the switch")]);
        Assert.Equal(163, (await client.StatsAsync()).Vectors);
    }

    private static async IAsyncEnumerable<string> AllIds(SearchServiceClient client)
    {
        foreach (var h in (await client.SearchAsync(new SearchRequest { Text = "x", Mode = SearchMode.Vector, TopK = 1000 })).Hits) yield return h.Id;
    }

    [Fact]
    public async Task Refusals_name_the_problem_and_cancel_keeps_the_current_model()
    {
        var gate = new SemaphoreSlim(0);
        await using var server = await StartedServer(gate);
        using var client = new SearchServiceClient(server.Address);
        await client.UpsertAsync(ApiTestCorpus.Documents());
        string current = (await client.StatsAsync()).ModelFingerprint;

        async Task<Grpc.Core.RpcException> Refused(ActivateModelRequest r) => await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.ActivateModelAsync(r));
        var unknown = await Refused(new ActivateModelRequest { JobId = "ft-nope" });
        Assert.Equal((RpcStatus.NotFound, true), (unknown.StatusCode, unknown.Status.Detail.Contains("ft-nope")));
        var missing = await Refused(new ActivateModelRequest { ModelPath = Path.Combine(_root, "no-such-model") });
        Assert.Equal((RpcStatus.InvalidArgument, true), (missing.StatusCode, missing.Status.Detail.Contains("does not exist")));
        var same = await Refused(new ActivateModelRequest { ModelPath = OldModel });
        Assert.Equal((RpcStatus.FailedPrecondition, true), (same.StatusCode, same.Status.Detail.Contains("already uses model")));
        Assert.Equal(RpcStatus.InvalidArgument, (await Refused(new ActivateModelRequest())).StatusCode);
        // A FAILED job has no model: batch_size larger than the pairs fails the job at once.
        var failing = new StartFineTuneRequest { Pairs = new PairList(), Options = new TrainingOptions { BatchSize = 64 } };
        failing.Pairs.Pairs.Add(new TrainingPair { TextA = "a", TextB = "b" });
        var job = await client.StartFineTuneAsync(failing);
        Assert.Equal(JobState.Failed, (await WatchToEnd(client, job.JobId))[^1].Job.State);
        var notDone = await Refused(new ActivateModelRequest { JobId = job.JobId });
        Assert.Equal((RpcStatus.FailedPrecondition, true), (notDone.StatusCode, notDone.Status.Detail.Contains("FAILED")));

        // A wider model is allowed (a whole new matrix) and says so; cancelling it drops the staging.
        var wide = await client.ActivateModelAsync(new ActivateModelRequest { ModelPath = NewModel("model-wide", hidden: 48) });
        Assert.Equal((32, 48, true), (wide.CurrentDimension, wide.NewDimension, wide.DimensionChanges));
        Assert.Contains("dimension changes 32 → 48", wide.Activation.Message);
        var pending = await client.StatsAsync();
        Assert.Equal((current, 32, wide.PendingModelFingerprint, 48), (pending.ModelFingerprint, pending.Dimension, pending.PendingModelFingerprint, pending.PendingDimension));
        await client.CancelJobAsync(wide.ActivationId);
        gate.Release(1000);
        var last = (await WatchToEnd(client, wide.ActivationId))[^1];
        Assert.Equal(JobState.Cancelled, last.Job.State);
        var stats = await client.StatsAsync();
        Assert.Equal((current, "", 32), (stats.ModelFingerprint, stats.PendingModelFingerprint, stats.Dimension));
        Assert.Null(IndexReembedder.ReadPending(IndexDirectory));
        Assert.Contains((await client.ListJobsAsync()).Jobs, j => j.JobId == wide.ActivationId && j.State == JobState.Cancelled);
    }

    [Fact]
    public void Eta_extrapolates_from_the_steps_done_in_this_run_and_is_zero_once_every_step_is_done()
    {
        var started = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        // Resumed at 600 of 1000 documents; 100 more took 10 s: 300 left take 30 s.
        var r = new Jobs.JobRecord { Status = Jobs.JobStatus.Running, StartedUtc = started, StartStep = 600, Step = 700, TotalSteps = 1000 };
        Assert.Equal(30, r.EtaSeconds(started.AddSeconds(10)), 6);
        var noneYet = r.Snapshot();
        noneYet.Step = 600; // nothing done in this run yet: unknown
        Assert.Equal(-1, noneYet.EtaSeconds(started.AddSeconds(10)));
        r.Step = 1000;
        Assert.Equal(0, r.EtaSeconds(started.AddSeconds(20)));
    }

    [Fact]
    public async Task A_reembedding_interrupted_by_a_stop_resumes_at_the_next_start_and_completes()
    {
        string model = NewModel("model-new");
        await using (var first = await StartedServer())
        {
            using var client = new SearchServiceClient(first.Address);
            await client.UpsertAsync(ApiTestCorpus.Documents());
        }
        // The state a stop leaves behind: the pending model and a committed part of the new vectors.
        using (var staged = IndexReembedder.Open(IndexDirectory, SentenceEncoderAdapter.Load(model), model))
            Assert.Equal(5, staged.EmbedNextBatch(5));

        await using var server = await StartedServer();
        using var again = new SearchServiceClient(server.Address);
        var activation = Assert.Single((await again.ListJobsAsync()).Jobs, j => j.JobId.StartsWith("act-"));
        var last = (await WatchToEnd(again, activation.JobId))[^1];
        Assert.True(last.Job.State == JobState.Succeeded, $"{last.Job.State}: {last.Job.Message}");
        Assert.Equal(12, last.Job.TotalSteps);
        var stats = await again.StatsAsync();
        Assert.Equal(SentenceEncoderAdapter.Load(model).Identity.Fingerprint, stats.ModelFingerprint);
        Assert.Equal(12, stats.Vectors);
    }
}
