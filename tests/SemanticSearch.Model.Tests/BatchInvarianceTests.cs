using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Tests;

/// <summary>
/// Packed sequences without padding make a text's embedding independent of its batch: identical bits
/// alone, in a batch of mixed lengths, in any order and with any thread count.
/// </summary>
public class BatchInvarianceTests
{
    private static readonly object ThreadSetting = new();

    private static string[] MixedTexts()
    {
        // Real queries of different lengths plus a long one that hits max_seq_length.
        var lines = File.ReadLines(Path.Combine(TestPaths.SharedData, "banking77", "train.csv")).Skip(1).Take(40)
            .Select(l => l[..l.LastIndexOf(',')].Trim('"')).ToList();
        lines.Add(string.Join(' ', Enumerable.Repeat("why was my card payment declined", 30)));
        lines.Add("ok");
        return lines.ToArray();
    }

    [Fact]
    public void Embeddings_do_not_depend_on_batch_order_or_threads()
    {
        var encoder = SentenceEncoder.Load(TestPaths.FixtureModel("mini-mean-f32"));
        var texts = MixedTexts();
        var alone = texts.Select(t => encoder.Encode(new[] { t })[0]).ToArray();

        var batched = encoder.Encode(texts, batchSize: 64);
        var smallBatches = encoder.Encode(texts, batchSize: 3);
        var order = Enumerable.Range(0, texts.Length).OrderBy(i => (i * 7919) % texts.Length).ToArray();
        var shuffled = encoder.Encode(order.Select(i => texts[i]).ToArray(), batchSize: 16);

        float[][] oneThread, twoThreads, twoThreadsManyBatches;
        lock (ThreadSetting)
        {
            int saved = ComputeThreads.Count;
            try
            {
                ComputeThreads.Count = 1;
                oneThread = encoder.Encode(texts, batchSize: 64);
                ComputeThreads.Count = 2;
                twoThreads = encoder.Encode(texts, batchSize: 64);
                // 14 batches on 2 threads: whole batches run side by side (throughput mode).
                twoThreadsManyBatches = encoder.Encode(texts, batchSize: 3);
            }
            finally { ComputeThreads.Count = saved; }
        }

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(alone[i], batched[i]);
            Assert.Equal(alone[i], smallBatches[i]);
            Assert.Equal(alone[i], oneThread[i]);
            Assert.Equal(alone[i], twoThreads[i]);
            Assert.Equal(alone[i], twoThreadsManyBatches[i]);
        }
        for (int j = 0; j < order.Length; j++) Assert.Equal(alone[order[j]], shuffled[j]);
        // Not vacuous: different texts give different vectors.
        Assert.NotEqual(alone[0], alone[1]);
    }

    [Fact]
    public void MiniLM_shaped_model_is_batch_invariant_too()
    {
        // Wider GEMMs than the fixtures exercise the full-size kernels' blocking.
        var encoder = RandomModelWriter.Create(TestPaths.BertVocab, Configuration.BertConfig.MiniLmL6H384(30522) with { NumHiddenLayers = 1 },
            new RandomModelOptions { Seed = 3, MaxSeqLength = 64 });
        var texts = MixedTexts();
        var batched = encoder.Encode(texts, batchSize: 32);
        for (int i = 0; i < texts.Length; i += 5)
            Assert.Equal(encoder.Encode(new[] { texts[i] })[0], batched[i]);
    }

    [Fact]
    public void Concurrent_callers_get_the_same_results()
    {
        var encoder = SentenceEncoder.Load(TestPaths.FixtureModel("mini-max-bin"));
        var texts = MixedTexts();
        var expected = encoder.Encode(texts);
        var results = new float[4][][];
        Parallel.For(0, results.Length, k => results[k] = encoder.Encode(texts, batchSize: 5 + k));
        foreach (var r in results)
            for (int i = 0; i < texts.Length; i++) Assert.Equal(expected[i], r[i]);
    }
}
