using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;
using SemanticSearch.Index.Tagging;
using SemanticSearch.Model.Heads;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// Tagging at ingest, re-tagging and predicted-tag filters, with hand-built heads on the hashing test
/// encoder: a word's embedding dimension gets weight 3 for its label, so a text's logits count its
/// words per label and every probability can be written down (one fruit word of three labels:
/// e³/(e³+2)).
/// </summary>
public class PredictedTagTests
{
    private static readonly HashingTestEncoder Encoder = new();

    private static SourceDocument Doc(string id, string text, params string[] tags) => new(id, "", text, tags);

    private static int Dim(ITextEncoder enc, string word) => enc.TokenIds(word)[0] % enc.Identity.Dimension;

    /// <summary>A softmax head over the given labels; each label's words push its logit by 3.</summary>
    internal static ClassifierHead Head(ITextEncoder enc, double threshold, bool multiLabel, params (string Label, string[] Words)[] labels)
    {
        var config = new ClassifierHeadConfig
        {
            InputDimension = enc.Identity.Dimension, LabelCount = labels.Length, MultiLabel = multiLabel, Threshold = threshold,
            EncoderFingerprint = enc.Identity.Fingerprint,
        };
        var head = ClassifierHead.CreateInitialized(config, labels.Select(l => l.Label).ToArray(), seed: 1);
        Array.Clear(head.OutputWeight);
        Array.Clear(head.OutputBias);
        var used = new HashSet<int>();
        for (int c = 0; c < labels.Length; c++)
            foreach (var word in labels[c].Words)
            {
                int d = Dim(enc, word);
                Assert.True(used.Add(d), $"test vocabulary collides in the hashing encoder: '{word}'");
                head.OutputWeight[c * config.InputDimension + d] = 3;
            }
        if (multiLabel) for (int c = 0; c < labels.Length; c++) head.OutputBias[c] = -2; // sigmoid(3k - 2)
        return head;
    }

    private static ClassifierHead TopicHead(double threshold = 0.6) => Head(Encoder, threshold, false,
        ("fruit", ["apple", "banana", "cherry"]), ("vehicle", ["car", "truck", "bus"]), ("weather", ["rain", "snow", "sun"]));

    private static double Softmax3(double logit, double other1 = 0, double other2 = 0) => Math.Exp(logit) / (Math.Exp(logit) + Math.Exp(other1) + Math.Exp(other2));

    /// <summary>Every live document's stored record, as the index holds it.</summary>
    private static List<StoredRecord> Records(string dir)
    {
        using var d = Lucene.Net.Store.FSDirectory.Open(dir);
        using var reader = Lucene.Net.Index.DirectoryReader.Open(d);
        var records = new List<StoredRecord>();
        foreach (var ctx in reader.Leaves)
            for (int i = 0; i < ctx.AtomicReader.MaxDoc; i++)
                if (ctx.AtomicReader.LiveDocs?.Get(i) != false) records.Add(StoredRecord.Read(ctx.AtomicReader, i));
        return records;
    }

    private static int PredictedCount(string dir, Func<string, bool> tag) => Records(dir).SelectMany(r => r.Predicted).Count(p => tag(p.Tag));

    [Fact]
    public void Ingest_with_a_head_stores_predicted_tags_with_confidence_apart_from_given_tags()
    {
        using var dir = new TempDirectory();
        var tagger = new DocumentTagger(TopicHead());
        using (var w = IndexWriter.Open(dir.Path, Encoder, tagger: tagger))
            w.Upsert([Doc("f", "apple banana", "given"), Doc("v", "truck"), Doc("mixed", "apple car"), Doc("none", "words without a topic")]);
        using var s = IndexSearcher.Open(dir.Path, Encoder);
        var hits = s.Search(new SearchRequest("apple banana truck car words") { Top = 10 }).Hits.ToDictionary(h => h.Id);
        var f = Assert.Single(hits["f"].PredictedTags);
        Assert.Equal("fruit", f.Tag);
        Assert.Equal(Softmax3(6), f.Confidence, 5);
        Assert.Equal(new[] { "given" }, hits["f"].Tags); // given tags stay given tags
        Assert.Equal(Softmax3(3), Assert.Single(hits["v"].PredictedTags).Confidence, 5);
        Assert.Equal("vehicle", hits["v"].PredictedTags[0].Tag);
        // 0.49 each for fruit and vehicle: below the 0.6 threshold, "unknown", stored as no tag.
        Assert.Empty(hits["mixed"].PredictedTags);
        Assert.Empty(hits["none"].PredictedTags);
        Assert.DoesNotContain("fruit", s.Search(new SearchRequest("apple") { Tags = ["fruit"] }).Hits.Select(h => h.Id));

        var stats = PredictedTagStats.Read(dir.Path);
        Assert.Equal(tagger.HeadFingerprint, stats.Head!.Fingerprint);
        Assert.Equal((4L, 2L, 0L, 0L), (stats.ByCurrentHead, stats.UnknownByCurrentHead, stats.ByOtherHeads, stats.Untagged));
        Assert.Equal(new[] { ("fruit", 1L), ("vehicle", 1L) }, stats.Tags.OrderBy(t => t.Tag));
    }

    [Fact]
    public void Multi_label_head_stores_every_label_at_or_above_its_threshold()
    {
        using var dir = new TempDirectory();
        var head = Head(Encoder, 0.5, true, ("fruit", ["apple", "banana"]), ("vehicle", ["car", "truck"]), ("weather", ["rain", "snow"]));
        using (var w = IndexWriter.Open(dir.Path, Encoder, tagger: new DocumentTagger(head)))
            w.Upsert([Doc("two", "apple car"), Doc("zero", "nothing here")]);
        using var s = IndexSearcher.Open(dir.Path);
        var hits = s.Search(new SearchRequest("apple nothing") { Top = 10 }).Hits.ToDictionary(h => h.Id);
        Assert.Equal(new[] { "fruit", "vehicle" }, hits["two"].PredictedTags.Select(t => t.Tag).Order());
        Assert.All(hits["two"].PredictedTags, t => Assert.Equal(1 / (1 + Math.Exp(-1)), t.Confidence, 5));
        Assert.Empty(hits["zero"].PredictedTags); // sigmoid(-2) = 0.12 for every label
    }

    /// <summary>
    /// 120 one-word "apple" documents (fruit 0.909) outrank, in both legs, 12 "apple banana cherry"
    /// documents (fruit 0.99975). Filtering after top-k would return none of them; filtering inside the
    /// legs returns exactly them, and still k when k of them exist.
    /// </summary>
    [Theory]
    [InlineData(SearchMode.Keyword)]
    [InlineData(SearchMode.Vector)]
    [InlineData(SearchMode.Hybrid)]
    public void Predicted_tag_filter_with_min_confidence_applies_inside_each_leg_before_top_k(SearchMode mode)
    {
        using var dir = new TempDirectory();
        var docs = Enumerable.Range(0, 120).Select(i => Doc($"weak{i:D3}", "apple", i % 2 == 0 ? "even" : "odd"))
            .Concat(Enumerable.Range(0, 12).Select(i => Doc($"strong{i:D2}", "apple banana cherry", i % 2 == 0 ? "even" : "odd")))
            .Concat(Enumerable.Range(0, 5).Select(i => Doc($"car{i}", "apple car truck bus")))
            .ToList();
        using (var w = IndexWriter.Open(dir.Path, Encoder, tagger: new DocumentTagger(TopicHead())))
            w.Upsert(docs);
        using var s = IndexSearcher.Open(dir.Path, Encoder);
        var unfiltered = s.Search(new SearchRequest("apple") { Mode = mode, Top = 10 }).Hits;
        Assert.DoesNotContain(unfiltered, h => h.Id.StartsWith("strong")); // so a post-filter would be empty

        var strong = s.Search(new SearchRequest("apple") { Mode = mode, Top = 10, PredictedTags = ["fruit"], MinPredictedConfidence = 0.95 }).Hits;
        Assert.Equal(10, strong.Count);
        Assert.All(strong, h => Assert.StartsWith("strong", h.Id));
        Assert.All(strong, h => Assert.True(h.PredictedTags.Single(t => t.Tag == "fruit").Confidence >= 0.95));

        var allStrong = s.Search(new SearchRequest("apple") { Mode = mode, Top = 50, PredictedTags = ["fruit"], MinPredictedConfidence = 0.95 }).Hits;
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"strong{i:D2}"), allStrong.Select(h => h.Id).Order());

        // Without a minimum every fruit document matches; combined with a given tag, both must hold.
        Assert.Equal(132, s.Search(new SearchRequest("apple") { Mode = mode, Top = 1000, PredictedTags = ["fruit"] }).Hits.Count);
        var evenStrong = s.Search(new SearchRequest("apple") { Mode = mode, Top = 50, Tags = ["even"], PredictedTags = ["fruit"], MinPredictedConfidence = 0.95 }).Hits;
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"strong{2 * i:D2}"), evenStrong.Select(h => h.Id).Order());
        Assert.Equal(5, s.Search(new SearchRequest("apple") { Mode = mode, Top = 50, PredictedTags = ["vehicle"], MinPredictedConfidence = 0.99 }).Hits.Count);
        Assert.Empty(s.Search(new SearchRequest("apple") { Mode = mode, PredictedTags = ["fruit", "vehicle"] }).Hits);
    }

    [Fact]
    public void Retag_replaces_every_prediction_and_a_second_run_has_nothing_left_to_do()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path, Encoder, tagger: new DocumentTagger(TopicHead())))
            w.Upsert(Enumerable.Range(0, 30).Select(i => Doc($"d{i:D2}", i % 3 == 0 ? "apple banana" : i % 3 == 1 ? "rain snow" : "bus")).ToList());
        var food = new DocumentTagger(Head(Encoder, 0.6, false, ("food", ["apple", "banana"]), ("sky", ["rain", "snow", "sun"])));
        long started = -1, committed = 0;
        var report = Retagger.Run(dir.Path, food, batchSize: 7, started: n => started = n, batchCommitted: n => committed += n);
        Assert.Equal(new RetagReport(30, 0, 20, 10, 5), report);
        Assert.Equal((30L, 30L), (started, committed));
        Assert.Equal(0, PredictedCount(dir.Path, t => t is "fruit" or "vehicle" or "weather"));
        Assert.Equal(30, Records(dir.Path).Count(r => r.TagHead == food.HeadId));
        var stats = PredictedTagStats.Read(dir.Path);
        Assert.Equal(food.HeadFingerprint, stats.Head!.Fingerprint);
        Assert.Equal(new[] { ("food", 10L), ("sky", 10L) }, stats.Tags.OrderBy(t => t.Tag));
        Assert.Equal(10, stats.UnknownByCurrentHead); // "bus" is neither food nor sky: 0.5 < 0.6

        Assert.Equal(new RetagReport(30, 30, 0, 0, 0), Retagger.Run(dir.Path, food));
        // Ingest with the old head would mix heads: refused, naming the way out; nothing changes.
        var e = Assert.Throws<ModelMismatchException>(() => IndexWriter.Open(dir.Path, Encoder, tagger: new DocumentTagger(TopicHead())));
        Assert.Contains("semsearch retag", e.Message);
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal(10, s.Search(new SearchRequest("apple banana") { Top = 100, PredictedTags = ["food"] }).Hits.Count);
    }

    [Fact]
    public void Retag_stopped_after_a_batch_leaves_each_document_on_one_head_and_a_rerun_finishes()
    {
        using var dir = new TempDirectory();
        var topic = new DocumentTagger(TopicHead());
        using (var w = IndexWriter.Open(dir.Path, Encoder, tagger: topic))
            w.Upsert(Enumerable.Range(0, 20).Select(i => Doc($"d{i:D2}", i % 2 == 0 ? "apple banana" : "rain snow")).ToList());
        var food = new DocumentTagger(Head(Encoder, 0.6, false, ("food", ["apple", "banana"]), ("sky", ["rain", "snow", "sun"])));
        // The process "dies" right after the first batch committed.
        Assert.Throws<OperationCanceledException>(() => Retagger.Run(dir.Path, food, batchSize: 8, batchCommitted: _ => throw new OperationCanceledException()));
        Assert.Equal(8, Records(dir.Path).Count(r => r.TagHead == food.HeadId));
        Assert.Equal(12, Records(dir.Path).Count(r => r.TagHead == topic.HeadId));
        // Every predicted tag belongs to the label set of the head recorded for its document.
        Assert.Equal(0, Records(dir.Path).SelectMany(r => r.Predicted.Select(p => (r.TagHead == food.HeadId) != (p.Tag is "food" or "sky"))).Count(mixed => mixed));
        var stats = PredictedTagStats.Read(dir.Path);
        Assert.Equal((food.HeadFingerprint, 8L, 12L), (stats.Head!.Fingerprint, stats.ByCurrentHead, stats.ByOtherHeads));

        Assert.Equal(new RetagReport(20, 8, 12, 0, 2), Retagger.Run(dir.Path, food, batchSize: 8));
        Assert.Equal(0, PredictedTagStats.Read(dir.Path).ByOtherHeads);
        Assert.Equal(0, PredictedCount(dir.Path, t => t is not ("food" or "sky")));
    }

    [Fact]
    public void Delete_removes_predicted_tags_and_changed_text_without_a_head_drops_the_stale_prediction()
    {
        using var dir = new TempDirectory();
        var tagger = new DocumentTagger(TopicHead());
        using (var w = IndexWriter.Open(dir.Path, Encoder, tagger: tagger))
            w.Upsert([Doc("a", "apple", "x"), Doc("b", "banana"), Doc("c", "cherry"), Doc("d", "car")]);
        using (var w = IndexWriter.Open(dir.Path, Encoder))
        {
            Assert.Equal(tagger.HeadFingerprint, w.TaggingHead!.Fingerprint);
            Assert.Equal(1, w.Delete(["a"]));
            Assert.Equal(1, w.DeleteByTag("x") + w.Delete(["b"]));
            w.Upsert([new SourceDocument("c", "", "cherry", [], """{"k":1}"""), Doc("d", "rain")]); // metadata-only change; text change
        }
        Assert.Equal(new[] { "c", "d" }, Records(dir.Path).Select(r => r.Id).Order()); // deleted documents took their predictions with them
        var stats = PredictedTagStats.Read(dir.Path);
        Assert.Equal(new[] { ("fruit", 1L) }, stats.Tags); // c keeps its prediction; d lost one that described "car"
        Assert.Equal((1L, 1L), (stats.ByCurrentHead, stats.Untagged));
        // Retag with the same head finishes the job.
        Assert.Equal(new RetagReport(2, 1, 1, 0, 1), Retagger.Run(dir.Path, tagger));
    }

    [Fact]
    public void Head_that_does_not_fit_the_encoder_is_refused_clearly_and_nothing_is_lost()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path, Encoder)) w.Upsert([Doc("keep", "apple")]);
        var narrow = new ClassifierHeadConfig { InputDimension = 128, LabelCount = 2, EncoderFingerprint = Encoder.Identity.Fingerprint };
        var narrowHead = new DocumentTagger(ClassifierHead.CreateInitialized(narrow, ["a", "b"], 1));
        var e = Assert.Throws<ModelMismatchException>(() => IndexWriter.Open(dir.Path, Encoder, tagger: narrowHead));
        Assert.Contains("128-dimensional", e.Message);
        Assert.Contains("256-dimensional", e.Message);
        Assert.Throws<ModelMismatchException>(() => Retagger.Run(dir.Path, narrowHead));

        var other = new HashingTestEncoder(name: "other");
        var foreign = new DocumentTagger(Head(other, 0.5, false, ("fruit", ["apple"]), ("vehicle", ["car"])));
        e = Assert.Throws<ModelMismatchException>(() => IndexWriter.Open(dir.Path, Encoder, tagger: foreign));
        Assert.Contains("give the model folder that holds the head", e.Message);
        e = Assert.Throws<ModelMismatchException>(() => new DocumentTagger(TopicHead(), ownEncoder: other));
        Assert.Contains("retrain the head", e.Message);

        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal("keep", Assert.Single(s.Search(new SearchRequest("apple")).Hits).Id);
        Assert.Null(PredictedTagStats.Read(dir.Path).Head);
    }

    [Fact]
    public void Head_on_another_encoder_embeds_with_its_own_model_even_on_a_keyword_only_index()
    {
        using var dir = new TempDirectory();
        var own = new HashingTestEncoder(dimension: 128, name: "head-model");
        var tagger = new DocumentTagger(Head(own, 0.6, false, ("fruit", ["apple", "banana"]), ("vehicle", ["car", "truck"])), ownEncoder: own);
        using (var w = IndexWriter.Open(dir.Path, tagger: tagger))
            w.Upsert([Doc("f", "apple banana"), Doc("v", "car")]);
        Assert.Equal(2, own.SequencesEncoded);
        using var s = IndexSearcher.Open(dir.Path);
        var hit = Assert.Single(s.Search(new SearchRequest("apple car") { PredictedTags = ["vehicle"], MinPredictedConfidence = 0.9 }).Hits);
        Assert.Equal("v", hit.Id);
        Assert.Equal(Math.Exp(3) / (Math.Exp(3) + 1), hit.PredictedTags[0].Confidence, 5);
    }

    [Fact]
    public void Invalid_predicted_filters_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new SearchRequest("q") { PredictedTags = [" "] }.Validate());
        Assert.Contains("between 0 and 1", Assert.Throws<ArgumentException>(() => new SearchRequest("q") { PredictedTags = ["a"], MinPredictedConfidence = 1.5 }.Validate()).Message);
        Assert.Contains("needs a predicted tag", Assert.Throws<ArgumentException>(() => new SearchRequest("q") { MinPredictedConfidence = 0.5 }.Validate()).Message);
    }
}
