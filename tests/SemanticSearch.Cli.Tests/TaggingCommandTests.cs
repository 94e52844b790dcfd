using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Cli.Tests;

/// <summary>
/// `index --classifier`, `retag`, `search --predicted-tag/--min-confidence` and `stats` end to end,
/// with a head trained by `classifier train` on a tiny random encoder (two intents with disjoint
/// vocabularies, which even a random encoder separates).
/// </summary>
public sealed class TaggingCommandTests : IDisposable
{
    private readonly IndexCliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static readonly string[] Card = ["my card is lost", "card stolen", "lost my card", "card missing", "i lost the card", "where is my card"];
    private static readonly string[] Rate = ["exchange rate dollars", "euro exchange rate", "rate for pounds", "what rate for yen", "dollars to euros rate", "exchange fee rate"];

    /// <summary>A model folder with encoder + head (classifier/), trained with the given seed.</summary>
    private string TrainedModel(string name, string encoderName, int seed)
    {
        string encoder = _h.PathOf(encoderName);
        if (!Directory.Exists(encoder))
        {
            var config = new BertConfig { VocabSize = 30522, HiddenSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 64 };
            RandomModelWriter.Write(encoder, Path.Combine(IndexCliHarness.SharedData, "bert-base-uncased", "vocab.txt"), config,
                new RandomModelOptions { Seed = 1, MaxSeqLength = 16, WeightStd = 0.5 });
        }
        string data = _h.WriteJsonl(name + ".jsonl", Card.Select(t => (object)new { text = t, label = "lost_card" }).Concat(Rate.Select(t => new { text = t, label = "exchange_rate" })));
        var train = IndexCliHarness.Run("classifier", "train", "--model", encoder, "--data", data, "--output", _h.PathOf(name),
            "--epochs", "200", "--lr", "0.1", "--patience", "200", "--seed", seed.ToString());
        Assert.True(train.Code == 0, train.Err);
        return _h.PathOf(name);
    }

    private string Corpus() => _h.WriteJsonl("corpus.jsonl",
        Card.Select((t, i) => (object)new { _id = $"card{i}", title = "", text = t })
            .Concat(Rate.Select((t, i) => new { _id = $"rate{i}", title = "", text = t })));

    [Fact]
    public void Index_with_classifier_then_filter_stats_and_retag()
    {
        string tagged = TrainedModel("tagged", "encoder", seed: 3), index = _h.PathOf("idx");
        var ingest = IndexCliHarness.Run("index", "--index", index, "--input", Corpus(), "--model", tagged, "--classifier", tagged);
        Assert.True(ingest.Code == 0, ingest.Err);
        Assert.Equal(12, IndexProbe.Records(index).Count(r => r.TagHead is not null));
        Assert.Equal(0, IndexProbe.Records(index).SelectMany(r => r.Predicted.Select(p => (p.Tag == "lost_card") != r.Id.StartsWith("card"))).Count(wrong => wrong));

        foreach (var mode in new[] { "keyword", "vector", "hybrid" })
        {
            var search = IndexCliHarness.Run("search", "--index", index, "--query", "card rate lost exchange", "--mode", mode, "--top", "20",
                "--predicted-tag", "exchange_rate", "--min-confidence", "0.5");
            Assert.True(search.Code == 0, search.Err);
            var rows = search.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("predicted", rows[0]);
            Assert.Equal(6, rows.Length - 1);
            Assert.All(rows.Skip(1), r => Assert.Contains(" rate", r));
            Assert.All(rows.Skip(1), r => Assert.Matches(@"exchange_rate (0\.[5-9]\d|1\.00)", r));
        }
        // No document reaches confidence 1.01; a minimum without a tag is a usage error.
        Assert.Equal(2, IndexCliHarness.Run("search", "--index", index, "--query", "card", "--predicted-tag", "lost_card", "--min-confidence", "1.01").Code);
        Assert.Equal(2, IndexCliHarness.Run("search", "--index", index, "--query", "card", "--min-confidence", "0.5").Code);

        var stats = IndexCliHarness.Run("stats", "--index", index);
        string headId = IndexProbe.CommitData(index)["tagging_head_id"];
        Assert.Contains($"predicted     head {headId}", stats.Out);
        Assert.Contains("12 classified by this head", stats.Out);
        Assert.Contains("lost_card 6", stats.Out);

        // A second head (another seed) on the same encoder, given as the head folder itself.
        string other = TrainedModel("other", "encoder", seed: 4);
        var refused = IndexCliHarness.Run("index", "--index", index, "--input", Corpus(), "--model", tagged, "--classifier", other);
        Assert.Equal(1, refused.Code);
        Assert.Contains("semsearch retag", refused.Err);
        var retag = IndexCliHarness.Run("retag", "--index", index, "--classifier", Path.Combine(other, "classifier"), "--batch-size", "5");
        Assert.True(retag.Code == 0, retag.Err);
        Assert.Contains("stored vectors reused", retag.Out);
        string newId = IndexProbe.CommitData(index)["tagging_head_id"];
        Assert.NotEqual(headId, newId);
        Assert.Equal(12, IndexProbe.Records(index).Count(r => r.TagHead == newId));
        Assert.Contains("0 by an earlier head", IndexCliHarness.Run("stats", "--index", index).Out);
    }

    [Fact]
    public void Keyword_only_index_is_tagged_with_the_heads_own_model_and_bad_classifier_folders_are_refused()
    {
        string tagged = TrainedModel("tagged", "encoder", seed: 3), index = _h.PathOf("kw");
        var ingest = IndexCliHarness.Run("index", "--index", index, "--input", Corpus(), "--classifier", tagged);
        Assert.True(ingest.Code == 0, ingest.Err);
        var search = IndexCliHarness.Run("search", "--index", index, "--query", "card", "--predicted-tag", "lost_card", "--min-confidence", "0.5");
        Assert.True(search.Code == 0, search.Err);
        Assert.All(search.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1), r => Assert.Contains("lost_card", r));

        var noHead = IndexCliHarness.Run("retag", "--index", index, "--classifier", _h.PathOf("encoder"));
        Assert.Equal(1, noHead.Code);
        Assert.Contains("neither a classifier head folder", noHead.Err);
        Assert.Equal(12, IndexProbe.Records(index).Count(r => r.TagHead is not null));
    }
}
