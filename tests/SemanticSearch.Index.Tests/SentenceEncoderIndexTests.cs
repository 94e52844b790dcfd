using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Index.Tests;

/// <summary>End to end with the real SentenceEncoder: a random-weight BERT (hidden 32) over the real vocabulary.</summary>
public class SentenceEncoderIndexTests
{
    internal static SentenceEncoder WriteTinyModel(string directory, int seed = 1) =>
        RandomModelWriter.Write(directory, TestData.Vocab, new BertConfig
        {
            VocabSize = 30522, HiddenSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 64,
        }, new RandomModelOptions { Seed = seed, MaxSeqLength = 16 });

    [Fact]
    public void Index_and_search_with_a_real_encoder_and_refuse_another_one()
    {
        using var dir = new TempDirectory();
        WriteTinyModel(dir.File("model"));
        var encoder = SentenceEncoderAdapter.Load(dir.File("model"));
        string longText = string.Join(' ', Enumerable.Repeat("the bank transfer was declined again", 8));
        using (var w = IndexWriter.Open(dir.File("idx"), encoder, dir.File("model")))
        {
            var r = w.Upsert(new[] { new SourceDocument("long", longText), new SourceDocument("short", "my card is lost") });
            Assert.True(r.WindowsEmbedded > 2, $"a {longText.Split(' ').Length}-word text must need several 16-token windows, got {r.WindowsEmbedded}");
        }
        using (var s = IndexSearcher.Open(dir.File("idx"), encoder))
        {
            Assert.Equal(encoder.Identity, s.Model!.Identity);
            Assert.Equal(Path.GetFullPath(dir.File("model")), s.Model.ModelPath);
            // A document's own text is its nearest neighbour (cosine ≈ 1 for a single-window doc).
            var hit = s.Search(new SearchRequest("my card is lost") { Mode = SearchMode.Vector }).Hits[0];
            Assert.Equal("short", hit.Id);
            Assert.Equal(1.0, hit.VectorScore!.Value, 3);
            var hybrid = s.Search(new SearchRequest("bank transfer declined") { Mode = SearchMode.Hybrid }).Hits;
            Assert.Equal(2, hybrid.Count);
            Assert.Equal("long", hybrid[0].Id);
        }
        WriteTinyModel(dir.File("other"), seed: 2);
        var other = SentenceEncoderAdapter.Load(dir.File("other"));
        Assert.NotEqual(encoder.Identity.Fingerprint, other.Identity.Fingerprint);
        Assert.Throws<ModelMismatchException>(() => IndexSearcher.Open(dir.File("idx"), other));
    }
}
