using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Service.Serving;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The served index's read path: bounded concurrency that queues instead of failing, and a vector
/// matrix brought up to date by the write path (incrementally), not by searches.
/// </summary>
public sealed class ServedIndexTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-served-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Reads_beyond_the_limit_wait_in_line_and_all_complete()
    {
        using var index = ServedIndex.Open(Path.Combine(_root, "kw"), encoder: null, modelPath: null, maxConcurrentReads: 2);
        await index.WriteAsync(w => w.Upsert(new[] { new SourceDocument("a", "alpha"), new SourceDocument("b", "beta") }), default);
        int inside = 0, most = 0;
        var reads = Enumerable.Range(0, 24).Select(i => index.ReadAsync(s =>
        {
            int now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            var hits = s.Search(new Index.Search.SearchRequest(i % 2 == 0 ? "alpha" : "beta")).Hits;
            Thread.Sleep(5); // hold the slot a little so later reads have to queue
            Interlocked.Decrement(ref inside);
            return hits.Single().Id;
        }, CancellationToken.None)).ToList();
        var ids = await Task.WhenAll(reads);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => i % 2 == 0 ? "a" : "b"), ids);
        Assert.InRange(most, 1, 2);

        // A read cancelled while it waits for a slot gives its place up without taking one.
        var gate = new ManualResetEventSlim();
        using var holding = new CountdownEvent(2);
        var blockers = Enumerable.Range(0, 2).Select(_ => index.ReadAsync(s => { holding.Signal(); gate.Wait(); return 0; }, CancellationToken.None)).ToList();
        holding.Wait(); // both slots are taken now
        using var cancel = new CancellationTokenSource();
        var queued = index.ReadAsync(s => 1, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        gate.Set();
        await Task.WhenAll(blockers);
        Assert.Equal("a", (await index.GetAsync("a", CancellationToken.None))!.Id);
    }

    [Fact]
    public async Task A_write_returns_only_after_the_shared_vectors_include_it_applied_incrementally()
    {
        string model = Path.Combine(_root, "model");
        ApiTestCorpus.WriteTinyModel(model);
        var encoder = SentenceEncoderAdapter.Load(model);
        using var index = ServedIndex.Open(Path.Combine(_root, "vec"), encoder, model, maxConcurrentReads: 4);
        await index.WriteAsync(w => w.Upsert(Enumerable.Range(0, 20).Select(i => new SourceDocument($"d{i}", $"document number {i}")).ToList()), default);
        foreach (var step in new Func<IndexWriter, int>[]
                 {
                     w => w.Upsert(new[] { new SourceDocument("d1", "changed text"), new SourceDocument("new", "a new one") }).Added,
                     w => w.Delete(new[] { "d2", "d3" }),
                 })
        {
            await index.WriteAsync(step, default);
            var (published, stats) = await index.ReadAsync(s => (s.PublishedVectors!, s.Stats()), default);
            Assert.Equal(stats.Generation, published.Generation); // no search had to refresh it
            Assert.True(published.SegmentsLoaded <= 1); // only the commit's new segment was loaded
            Assert.Equal(stats.Windows, published.Rows);
            Assert.Equal(stats.Documents, published.Documents);
        }
        var top = await index.ReadAsync(s => s.Search(new Index.Search.SearchRequest("a new one") { Mode = Index.Search.SearchMode.Vector, Top = 1 }).Hits, default);
        Assert.Equal("new", top.Single().Id);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    /// <summary>The tiny model's encoder under another identity: an index bound to the real one refuses it.</summary>
    private sealed class RenamedEncoder(ITextEncoder inner) : ITextEncoder
    {
        public EncoderIdentity Identity { get; } = inner.Identity with { Fingerprint = new string('f', 64) };
        public int ClsId => inner.ClsId;
        public int SepId => inner.SepId;
        public int[] TokenIds(string text) => inner.TokenIds(text);
        public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) => inner.EncodeIds(sequences, batchSize);
    }

    [Fact]
    public async Task A_model_switch_that_cannot_reopen_the_index_takes_it_out_of_service_instead_of_serving_a_disposed_writer()
    {
        string model = Path.Combine(_root, "model");
        ApiTestCorpus.WriteTinyModel(model);
        var encoder = SentenceEncoderAdapter.Load(model);
        using var index = ServedIndex.Open(Path.Combine(_root, "bound"), encoder, model, maxConcurrentReads: 2);
        await index.WriteAsync(w => w.Upsert(new[] { new SourceDocument("a", "alpha") }), default);
        var renamed = new RenamedEncoder(encoder);
        // The commit "succeeds" but the database still records the old model: reopening with the new encoder fails.
        await Assert.ThrowsAnyAsync<Exception>(() => index.SwitchModelAsync(() => new Index.Storage.ModelBinding(renamed.Identity, model), renamed, default));
        Assert.NotNull(index.OutOfService);
        var read = await Assert.ThrowsAsync<ServiceException>(() => index.ReadAsync(s => s.Stats(), default));
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, read.Status);
        var write = await Assert.ThrowsAsync<ServiceException>(() => index.WriteAsync(w => w.Delete(new[] { "a" }), default));
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, write.Status);
    }
}
