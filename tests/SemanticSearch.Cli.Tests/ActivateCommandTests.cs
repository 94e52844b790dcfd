using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Reembedding;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Cli.Tests;

/// <summary>
/// Local `semsearch activate`: an index re-embedded with another model must search exactly like an
/// index built with that model from the start; bad inputs get one clear error and change nothing.
/// Uses the tiny reference models (same vocabulary, different weights and pooling).
/// </summary>
public sealed class ActivateCommandTests : IDisposable
{
    private readonly IndexCliHarness _h = new();
    public void Dispose() => _h.Dispose();

    public static string FixtureModel(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "fixtures", "reference", "models", name);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"fixture model '{name}' not found above {AppContext.BaseDirectory}");
    }

    private static readonly string ModelA = FixtureModel("mini-max-bin");
    private static readonly string ModelB = FixtureModel("mini-mean-f32");
    private static string Fingerprint(string model) => SentenceEncoder.Load(model).Fingerprint;

    private static readonly string[][] Queries =
    [
        ["--query", "lost card", "--mode", "vector", "--top", "10"],
        ["--query", "exchange rate for dollars", "--mode", "hybrid", "--top", "5"],
        ["--like", "d03", "--top", "5"],
    ];

    private string Corpus(int documents = 30) => _h.WriteJsonl("corpus.jsonl", Enumerable.Range(0, documents).Select(i => (object)new
    {
        _id = $"d{i:D2}",
        title = i % 3 == 0 ? $"card {i}" : "",
        // Some texts longer than the models' max_seq_length, so documents have several windows.
        text = i % 2 == 0 ? $"I lost my card number {i} yesterday at the shop" : $"exchange rate {i} for dollars and euros " + string.Join(" ", Enumerable.Repeat("pounds yen", i % 5 * 4)),
        tags = new[] { i % 2 == 0 ? "card" : "money" },
    }));

    private string BuildIndex(string name, string? model, string corpus)
    {
        string idx = _h.PathOf(name);
        var r = model is null ? IndexCliHarness.Run("index", "--index", idx, "--input", corpus) : IndexCliHarness.Run("index", "--index", idx, "--input", corpus, "--model", model);
        Assert.True(r.Code == 0, r.Err);
        return idx;
    }

    /// <summary>Every query's result table on <paramref name="idx"/> equals the one on <paramref name="reference"/> (ids, ranks and scores).</summary>
    private static void AssertSearchesLike(string reference, string idx)
    {
        foreach (var q in Queries)
        {
            var expected = IndexCliHarness.Run(["search", "--index", reference, .. q]);
            var actual = IndexCliHarness.Run(["search", "--index", idx, .. q]);
            Assert.True(actual.Code == 0, actual.Err);
            Assert.Equal(0, expected.Code);
            Assert.NotEqual("no results", actual.Out.Trim());
            Assert.Equal(expected.Out, actual.Out);
        }
    }

    [Fact]
    public void Activating_another_model_makes_search_identical_to_an_index_built_with_it()
    {
        string corpus = Corpus();
        string idx = BuildIndex("idx", ModelA, corpus), direct = BuildIndex("direct", ModelB, corpus);
        string before = IndexCliHarness.Run(["search", "--index", idx, .. Queries[0]]).Out;

        var r = IndexCliHarness.Run("activate", "--index", idx, "--model", ModelB, "--batch-size", "7", "--threads", "1");
        Assert.True(r.Code == 0, r.Err);
        long windows = Windows(direct);
        Assert.True(windows > 30, $"the corpus should have documents of several windows, got {windows} windows");
        Assert.Contains($"30 documents re-embedded, 30 documents and {windows} windows in index", r.Out);
        Assert.Contains($"model {Fingerprint(ModelA)} → {Fingerprint(ModelB)}", r.Out);
        Assert.DoesNotContain("resuming", r.Err);

        var stats = IndexCliHarness.Run("stats", "--index", idx);
        Assert.Contains($"fingerprint {Fingerprint(ModelB)}", stats.Out);
        Assert.Contains(ModelB, stats.Out);
        Assert.NotEqual(before, IndexCliHarness.Run(["search", "--index", idx, .. Queries[0]]).Out);
        AssertSearchesLike(direct, idx);
        Assert.Equal(windows, Windows(idx));
        Assert.DoesNotContain(IndexProbe.CommitData(idx).Keys, k => k.StartsWith("pending_model_") || k.StartsWith("reembed_"));

        // The index is now bound to the new model: ingesting with the old one is refused.
        Assert.Equal(1, IndexCliHarness.Run("index", "--index", idx, "--input", corpus, "--model", ModelA).Code);
    }

    [Fact]
    public void Activating_a_model_on_a_keyword_only_index_gives_it_its_first_vectors()
    {
        string corpus = Corpus();
        string idx = BuildIndex("kw", null, corpus), direct = BuildIndex("direct", ModelB, corpus);
        Assert.Equal(1, IndexCliHarness.Run("search", "--index", idx, "--query", "card", "--mode", "vector").Code);

        var r = IndexCliHarness.Run("activate", "--index", idx, "--model", ModelB);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("30 documents re-embedded", r.Out);
        Assert.Contains($"model none (keyword-only) → {Fingerprint(ModelB)}", r.Out);
        AssertSearchesLike(direct, idx);
    }

    [Fact]
    public void A_model_of_another_dimension_replaces_every_vector()
    {
        string wide = _h.PathOf("wide-model");
        var config = new BertConfig { VocabSize = 30522, HiddenSize = 48, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 64 };
        RandomModelWriter.Write(wide, Path.Combine(IndexCliHarness.SharedData, "bert-base-uncased", "vocab.txt"), config, new RandomModelOptions { Seed = 7, MaxSeqLength = 16 });
        string corpus = Corpus();
        string idx = BuildIndex("idx", ModelA, corpus), direct = BuildIndex("direct", wide, corpus);

        var r = IndexCliHarness.Run("activate", "--index", idx, "--model", wide);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("note: dimension changes 32 → 48", r.Err);
        Assert.Contains("dimension   48", IndexCliHarness.Run("stats", "--index", idx).Out);
        Assert.All(IndexProbe.Records(idx), r => Assert.True(IndexProbe.LiveVectors(idx, r) is { Length: > 0 } v && v.Length % (48 * 4) == 0));
        AssertSearchesLike(direct, idx);
    }

    [Fact]
    public void The_model_the_index_already_uses_is_reported_and_nothing_changes()
    {
        string idx = BuildIndex("idx", ModelA, Corpus());
        long generation = Generation(idx);
        var r = IndexCliHarness.Run("activate", "--index", idx, "--model", ModelA);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains($"already uses model {Fingerprint(ModelA)}", r.Out);
        Assert.Contains("nothing to re-embed", r.Out);
        Assert.Equal(generation, Generation(idx));
    }

    [Fact]
    public void Bad_inputs_get_a_clear_error_and_leave_the_index_as_it_was()
    {
        string idx = BuildIndex("idx", ModelA, Corpus());
        string missing = _h.PathOf("nope");
        var noIndex = IndexCliHarness.Run("activate", "--index", missing, "--model", ModelB);
        Assert.Equal(1, noIndex.Code);
        Assert.Contains($"index directory '{missing}' does not exist", noIndex.Err);
        Assert.False(Directory.Exists(missing), "a missing index must not be created");

        var notIndex = IndexCliHarness.Run("activate", "--index", ModelB, "--model", ModelB);
        Assert.Equal(1, notIndex.Code);
        Assert.Contains("is not an index", notIndex.Err);

        var noModel = IndexCliHarness.Run("activate", "--index", idx, "--model", _h.PathOf("no-model"));
        Assert.Equal(1, noModel.Code);
        Assert.Contains("model directory", noModel.Err);
        Assert.Contains("does not exist", noModel.Err);

        Directory.CreateDirectory(_h.PathOf("empty-model"));
        var badModel = IndexCliHarness.Run("activate", "--index", idx, "--model", _h.PathOf("empty-model"));
        Assert.Equal(1, badModel.Code);
        Assert.Contains($"cannot load --model {_h.PathOf("empty-model")}", badModel.Err);

        var usage = IndexCliHarness.Run("activate", "--index", idx);
        Assert.Equal(2, usage.Code);
        Assert.Contains("give --model DIR", usage.Err);
        Assert.Equal(2, IndexCliHarness.Run("activate", "--index", idx, "--model", ModelB, "--batch-size", "0").Code);

        using (IndexWriter.Open(idx))
        {
            var locked = IndexCliHarness.Run("activate", "--index", idx, "--model", ModelB);
            Assert.Equal(1, locked.Code);
            Assert.Contains("locked by another writer", locked.Err);
            Assert.Contains("--server URL", locked.Err);
        }
        Assert.Contains($"fingerprint {Fingerprint(ModelA)}", IndexCliHarness.Run("stats", "--index", idx).Out);
        Assert.Null(IndexReembedder.ReadPending(idx));
    }

    [Fact]
    public void An_unfinished_activation_resumes_blocks_other_models_and_can_be_abandoned()
    {
        string corpus = Corpus();
        string idx = BuildIndex("idx", ModelA, corpus), direct = BuildIndex("direct", ModelB, corpus);
        // What a killed run leaves behind: the pending model and two committed batches.
        using (var partial = IndexReembedder.Open(idx, SentenceEncoderAdapter.Load(ModelB), ModelB))
        {
            Assert.Equal(5, partial.EmbedNextBatch(5));
            Assert.Equal(5, partial.EmbedNextBatch(5));
        }

        Assert.DoesNotContain("activating", IndexCliHarness.Run("stats", "--index", direct).Out);
        var stats = IndexCliHarness.Run("stats", "--index", idx);
        Assert.Contains($"activating    {ModelB} (fingerprint {Fingerprint(ModelB)}) unfinished", stats.Out);

        var other = IndexCliHarness.Run("activate", "--index", idx, "--model", FixtureModel("mini-cls-f16-prefixed"));
        Assert.Equal(1, other.Code);
        Assert.Contains("already being re-embedded", other.Err);
        Assert.Contains("--abandon", other.Err);

        var abandon = IndexCliHarness.Run("activate", "--index", idx, "--abandon");
        Assert.True(abandon.Code == 0, abandon.Err);
        Assert.Contains($"abandoned the activation of model {Fingerprint(ModelB)}", abandon.Out);
        Assert.Null(IndexReembedder.ReadPending(idx));
        Assert.DoesNotContain("activating", IndexCliHarness.Run("stats", "--index", idx).Out);
        Assert.Contains("no unfinished activation", IndexCliHarness.Run("activate", "--index", idx, "--abandon").Out);

        using (var partial = IndexReembedder.Open(idx, SentenceEncoderAdapter.Load(ModelB), ModelB)) Assert.Equal(10, partial.EmbedNextBatch(10));
        var resumed = IndexCliHarness.Run("activate", "--index", idx, "--model", ModelB);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("resuming: 10 of 30 documents already re-embedded", resumed.Err);
        Assert.Contains("20 documents re-embedded (10 more by an earlier run)", resumed.Out);
        AssertSearchesLike(direct, idx);
    }

    private static long Windows(string idx)
    {
        using var s = SemanticSearch.Index.IndexSearcher.Open(idx);
        return s.Stats().Windows;
    }

    private static long Generation(string idx)
    {
        using var s = SemanticSearch.Index.IndexSearcher.Open(idx);
        return s.Stats().Generation;
    }
}
