using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

public class VectorSearchTests
{
    private static SourceDocument Doc(string id, string text, params string[] tags) => new(id, "", text, tags);

    [Fact]
    public void Long_document_is_windowed_and_its_best_window_wins()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder(maxSeqLength: 10); // 8 pieces per window, stride 4
        string filler = string.Join(' ', Enumerable.Range(0, 40).Select(i => $"w{i}"));
        using (var w = IndexWriter.Open(dir.Path, enc))
        {
            var r = w.Upsert(new[] { Doc("long", filler + " zebra giraffe"), Doc("short", "zebra w1 w2 w3 w4 w5") });
            // 42 pieces, windows start 0,4,...,32 then an end-aligned one at 34: 10 windows, plus 1.
            Assert.Equal(11, r.WindowsEmbedded);
        }
        using var s = IndexSearcher.Open(dir.Path, enc);
        var hits = s.Search(new SearchRequest("zebra giraffe") { Mode = SearchMode.Vector }).Hits;
        Assert.Equal("long", hits[0].Id);
        // Best window: the last 8 pieces w34..w39 zebra giraffe => cos = 2 / (sqrt(2)·sqrt(8)) = 0.5
        Assert.Equal(0.5, hits[0].VectorScore!.Value, 4);
        Assert.Equal("short", hits[1].Id);
        Assert.Equal(1 / (Math.Sqrt(2) * Math.Sqrt(6)), hits[1].VectorScore!.Value, 4);
    }

    [Fact]
    public void Windows_cover_every_piece_and_fit_the_model()
    {
        var pieces = Enumerable.Range(100, 23).ToArray();
        var windows = TokenWindowSplitter.Split(pieces, maxSeqLength: 8, clsId: 1, sepId: 2);
        Assert.All(windows, w => Assert.True(w.Sequence.Length <= 8));
        Assert.All(windows, w => { Assert.Equal(1, w.Sequence[0]); Assert.Equal(2, w.Sequence[^1]); });
        var covered = windows.SelectMany(w => w.Sequence[1..^1]).ToHashSet();
        Assert.Equal(pieces.ToHashSet(), covered);
        Assert.Equal(new[] { 0, 3, 6, 9, 12, 15, 17 }, windows.Select(w => w.Start));
        Assert.Single(TokenWindowSplitter.Split(new[] { 5, 6 }, 8, 1, 2));
    }

    [Fact]
    public void Vector_tag_filter_applies_before_top_k()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder();
        using (var w = IndexWriter.Open(dir.Path, enc))
        {
            var docs = Enumerable.Range(0, 200).Select(i => Doc($"d{i:D3}", $"apple banana {i}", i % 50 == 7 ? "keep" : "drop")).ToList();
            w.Upsert(docs);
        }
        using var s = IndexSearcher.Open(dir.Path, enc);
        var hits = s.Search(new SearchRequest("apple banana") { Mode = SearchMode.Vector, Top = 4, Tags = new[] { "keep" } }).Hits;
        Assert.Equal(new[] { "d007", "d057", "d107", "d157" }, hits.Select(h => h.Id).Order());
        var hybrid = s.Search(new SearchRequest("apple banana") { Mode = SearchMode.Hybrid, Top = 4, Tags = new[] { "keep" } }).Hits;
        Assert.Equal(4, hybrid.Count);
        Assert.All(hybrid, h => Assert.Equal(new[] { "keep" }, h.Tags));
    }

    [Fact]
    public void Hybrid_reports_both_leg_scores_and_fuses_with_either_method()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder();
        using (var w = IndexWriter.Open(dir.Path, enc))
            w.Upsert(new[] { Doc("both", "solar panel energy"), Doc("kw", "solar"), Doc("none", "unrelated text here") });
        using var s = IndexSearcher.Open(dir.Path, enc);
        foreach (var fusion in new[] { FusionMethod.ReciprocalRank, FusionMethod.Linear })
        {
            var hits = s.Search(new SearchRequest("solar panel energy") { Mode = SearchMode.Hybrid, Fusion = fusion }).Hits;
            Assert.Equal("both", hits[0].Id);
            Assert.NotNull(hits[0].KeywordScore);
            Assert.Equal(1.0, hits[0].VectorScore!.Value, 4);
            Assert.Contains("[solar]", hits[0].Snippet);
            var none = hits.Single(h => h.Id == "none");
            Assert.Null(none.KeywordScore); // found by the vector leg only
            Assert.DoesNotContain("[", none.Snippet);
        }
    }

    [Fact]
    public void More_like_this_uses_stored_vectors_and_excludes_the_document()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder();
        using (var w = IndexWriter.Open(dir.Path, enc))
            w.Upsert(new[] { Doc("a", "cats purr softly"), Doc("b", "cats purr loudly"), Doc("c", "dogs bark") });
        using var s = IndexSearcher.Open(dir.Path, enc);
        var hits = s.MoreLikeThis("a", top: 2).Hits;
        Assert.Equal(new[] { "b", "c" }, hits.Select(h => h.Id));
        Assert.Throws<KeyNotFoundException>(() => s.MoreLikeThis("zzz"));
    }

    [Fact]
    public void A_different_model_is_refused_for_writing_and_searching()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path, new HashingTestEncoder(name: "model-a")))
            w.Upsert(new[] { Doc("a", "text") });
        var other = new HashingTestEncoder(name: "model-b");
        var e1 = Assert.Throws<ModelMismatchException>(() => IndexSearcher.Open(dir.Path, other));
        Assert.Contains("model-a", e1.Message);
        Assert.Contains("model-b", e1.Message);
        Assert.Throws<ModelMismatchException>(() => IndexWriter.Open(dir.Path, other));
        using var noModel = IndexSearcher.Open(dir.Path);
        Assert.Single(noModel.Search(new SearchRequest("text")).Hits); // keyword still works without the model
        var e2 = Assert.Throws<InvalidOperationException>(() => noModel.Search(new SearchRequest("text") { Mode = SearchMode.Vector }));
        Assert.Contains("needs its model", e2.Message);
        using var w2 = IndexWriter.Open(dir.Path);
        Assert.Throws<InvalidOperationException>(() => w2.Upsert(new[] { Doc("b", "no vectors") }));
        Assert.Equal(1, w2.Delete(new[] { "a" })); // deleting needs no model
    }

    [Fact]
    public void A_model_cannot_be_bound_to_a_keyword_only_index_with_documents()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path)) w.Upsert(new[] { Doc("a", "text") });
        Assert.Throws<ModelMismatchException>(() => IndexWriter.Open(dir.Path, new HashingTestEncoder()));
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Null(s.Model);
    }

    [Fact]
    public void Exact_scan_matches_brute_force_on_random_vectors()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder(dimension: 32);
        var rnd = new Random(3);
        string[] vocab = Enumerable.Range(0, 60).Select(i => $"t{i}").ToArray();
        var docs = Enumerable.Range(0, 20_000).Select(i => Doc($"d{i}", string.Join(' ', Enumerable.Range(0, 6).Select(_ => vocab[rnd.Next(vocab.Length)])))).ToList();
        using (var w = IndexWriter.Open(dir.Path, enc)) w.Upsert(docs);
        using var s = IndexSearcher.Open(dir.Path, enc);
        string query = "t1 t2 t3";
        var got = s.Search(new SearchRequest(query) { Mode = SearchMode.Vector, Top = 20 }).Hits;
        var q = enc.EncodeIds(new[] { new[] { 1 }.Concat(enc.TokenIds(query)).Append(2).ToArray() }, 1)[0];
        VectorMatrix.NormalizeInPlace(q);
        var expected = docs.Select((d, i) =>
        {
            var v = enc.EncodeIds(new[] { new[] { 1 }.Concat(enc.TokenIds(d.Text)).Append(2).ToArray() }, 1)[0];
            VectorMatrix.NormalizeInPlace(v);
            return (d.Id, Score: System.Numerics.Tensors.TensorPrimitives.Dot<float>(v, q), Row: i);
        }).OrderByDescending(x => x.Score).ThenBy(x => x.Row).Take(20).ToList();
        Assert.Equal(expected.Select(e => e.Id), got.Select(h => h.Id));
        Assert.Equal(expected[0].Score, got[0].Score, 5);
    }
}
