using SemanticSearch.Index.Reembedding;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// Background re-embedding with a new model: staged in committed batches while the old vectors keep
/// serving, resumable, correct under concurrent upserts and deletes, switched over in one transaction.
/// "Correct" is checked against an index built directly with the new model from the same documents.
/// </summary>
public class ReembedderTests
{
    private static readonly string[] Queries = ["card lost frozen", "transfer fee bank", "exchange rate currency", "refund merchant"];

    private static SourceDocument Doc(string id, string title, string text) => new(id, title, text, ["t"]);

    private static List<SourceDocument> Corpus() =>
    [
        Doc("card-lost", "Lost card", "I lost my card, freeze the card and order a new one"),
        Doc("card-arrival", "Card arrival", "a new card arrives within five working days"),
        Doc("transfer-fee", "Transfer fee", "a transfer to another bank costs a small fee"),
        Doc("transfer-pending", "Pending transfer", "a pending transfer completes within one day"),
        Doc("exchange-rate", "Exchange rate", "we use the interbank exchange rate for currency conversion"),
        Doc("refund", "Refund", "a refund from a merchant can take up to ten days"),
        Doc("cash", "Cash", "cash withdrawal at an ATM is free up to a monthly limit"),
        Doc("verify", "Verify identity", "upload a photo of your passport to verify your identity"),
    ];

    private static HashingTestEncoder OldModel() => new(dimension: 64, name: "old");
    private static HashingTestEncoder NewModel() => new(dimension: 48, name: "new");

    /// <summary>Vector hits (id, score) of every query, as a comparable string.</summary>
    private static string VectorResults(string directory, HashingTestEncoder encoder)
    {
        using var s = IndexSearcher.Open(directory, encoder);
        return string.Join("\n", Queries.Select(q => q + ": " + string.Join(", ",
            s.Search(new SearchRequest(q) { Mode = SearchMode.Vector, Top = 20 }).Hits
                // Equal scores come in Lucene doc-id order, which a rewrite of the document changes: compare them by id.
                .OrderByDescending(h => Math.Round(h.VectorScore!.Value, 5)).ThenBy(h => h.Id, StringComparer.Ordinal)
                .Select(h => $"{h.Id}={h.VectorScore:F5}"))));
    }

    private static string BuiltDirectly(TempDirectory dir, IReadOnlyList<SourceDocument> docs, HashingTestEncoder encoder)
    {
        string path = dir.File("reference-" + encoder.Identity.Fingerprint);
        using (var w = IndexWriter.Open(path, encoder)) w.Upsert(docs);
        return path;
    }

    [Fact]
    public void Staging_keeps_the_old_vectors_serving_and_Complete_switches_model_and_vectors_in_one_step()
    {
        using var dir = new TempDirectory();
        string index = dir.File("index");
        using var writer = IndexWriter.Open(index, OldModel());
        writer.Upsert(Corpus());
        string before = VectorResults(index, OldModel());

        using var re = IndexReembedder.Open(index, NewModel(), "/models/new");
        Assert.False(re.Resumed);
        Assert.Equal(OldModel().Identity, re.Current!.Identity);
        Assert.Equal(3, re.EmbedNextBatch(3));
        Assert.Equal(new ReembedProgress(3, 8), re.Progress());
        Assert.Equal(NewModel().Identity, IndexReembedder.ReadPending(index)!.Identity);
        // Mid-way: the index still answers with the old model and the old vectors, unchanged.
        Assert.Equal(before, VectorResults(index, OldModel()));
        Assert.Throws<ModelMismatchException>(() => IndexSearcher.Open(index, NewModel()));

        var bound = re.Complete();
        Assert.Equal(NewModel().Identity, bound.Identity);
        Assert.Equal("/models/new", bound.ModelPath);
        Assert.Null(IndexReembedder.ReadPending(index));
        Assert.Throws<ModelMismatchException>(() => IndexSearcher.Open(index, OldModel()));
        string after = VectorResults(index, NewModel());
        Assert.Equal(VectorResults(BuiltDirectly(dir, Corpus(), NewModel()), NewModel()), after);
        Assert.NotEqual(before, after); // 48-d hashing buckets collide differently from 64-d ones
        using var s = IndexSearcher.Open(index, NewModel());
        var stats = s.Stats();
        Assert.Equal((8L, 8L, 48), (stats.Documents, stats.Windows, stats.Model!.Identity.Dimension));
        // Deleting a document still removes its vectors: the triggers survived the table swap.
        writer.Delete(["cash"]);
        Assert.Equal(7, s.Stats().Windows);
        Assert.DoesNotContain(s.Search(new SearchRequest("cash withdrawal") { Mode = SearchMode.Vector }).Hits, h => h.Id == "cash");
    }

    [Fact]
    public void An_interrupted_reembedding_resumes_after_its_last_committed_batch()
    {
        using var dir = new TempDirectory();
        string index = dir.File("index");
        using var writer = IndexWriter.Open(index, OldModel());
        writer.Upsert(Corpus());
        using (var first = IndexReembedder.Open(index, NewModel(), null))
        {
            first.EmbedNextBatch(2);
            first.EmbedNextBatch(3);
        } // the process "stops" here: connection closed, nothing else written

        var resumedModel = NewModel();
        using var resumed = IndexReembedder.Open(index, resumedModel, null);
        Assert.True(resumed.Resumed);
        Assert.Equal(new ReembedProgress(5, 8), resumed.Progress());
        while (resumed.EmbedNextBatch(2) > 0) { }
        Assert.Equal(3, resumedModel.SequencesEncoded); // only the three documents not committed before
        resumed.Complete();
        Assert.Equal(3, resumedModel.SequencesEncoded);
        Assert.Equal(VectorResults(BuiltDirectly(dir, Corpus(), NewModel()), NewModel()), VectorResults(index, NewModel()));
    }

    [Fact]
    public void Upserts_and_deletes_during_the_reembedding_end_up_embedded_with_the_new_model()
    {
        using var dir = new TempDirectory();
        string index = dir.File("index");
        using var writer = IndexWriter.Open(index, OldModel());
        var docs = Corpus();
        writer.Upsert(docs);
        using var re = IndexReembedder.Open(index, NewModel(), null);
        re.EmbedNextBatch(4); // card-lost … transfer-pending are staged

        // Behind the cursor: a changed text, a tag-only change, a delete. Ahead of it: a change and a new document.
        var changed = new List<SourceDocument>
        {
            Doc("card-lost", "Lost card", "my card was stolen, block it and report the theft"),
            new("card-arrival", "Card arrival", "a new card arrives within five working days", ["other-tag"]),
            Doc("refund", "Refund", "refunds for returned goods arrive in three days"),
            Doc("new-doc", "Savings", "a savings account pays monthly interest"),
        };
        writer.Upsert(changed);
        writer.Delete(["transfer-fee"]);
        // Searches meanwhile: old model, and they already see the new text (embedded with the old model).
        using (var old = IndexSearcher.Open(index, OldModel()))
            Assert.Equal("card-lost", old.Search(new SearchRequest("stolen theft") { Mode = SearchMode.Vector }).Hits[0].Id);

        Assert.True(re.CatchUp() >= 1); // card-lost behind the cursor changed
        writer.Upsert([Doc("verify", "Verify identity", "a selfie and an id card verify who you are")]); // after the catch-up
        re.Complete();

        var final = docs.Where(d => d.Id is not ("transfer-fee" or "card-lost" or "card-arrival" or "refund" or "verify"))
            .Concat(changed).Append(Doc("verify", "Verify identity", "a selfie and an id card verify who you are")).ToList();
        Assert.Equal(VectorResults(BuiltDirectly(dir, final, NewModel()), NewModel()), VectorResults(index, NewModel()));
        using var s = IndexSearcher.Open(index, NewModel());
        Assert.Equal(final.Count, s.Stats().Windows); // no vectors of the deleted document survived
    }

    [Fact]
    public void Refuses_the_current_model_and_a_second_model_while_one_is_pending_and_Abandon_leaves_the_index_as_it_was()
    {
        using var dir = new TempDirectory();
        string index = dir.File("index");
        using var writer = IndexWriter.Open(index, OldModel());
        writer.Upsert(Corpus());
        string before = VectorResults(index, OldModel());

        var same = Assert.Throws<InvalidOperationException>(() => IndexReembedder.Open(index, OldModel(), null));
        Assert.Contains("already uses model", same.Message);
        using (var re = IndexReembedder.Open(index, NewModel(), null))
        {
            re.EmbedNextBatch(5);
            var other = Assert.Throws<ReembedConflictException>(() => IndexReembedder.Open(index, new HashingTestEncoder(dimension: 16, name: "third"), null));
            Assert.Contains("already being re-embedded", other.Message);
            Assert.Contains("new-d48", other.Message);
            re.Abandon();
        }
        Assert.Null(IndexReembedder.ReadPending(index));
        Assert.Equal(before, VectorResults(index, OldModel()));
        // A fresh start after abandoning re-embeds everything again (no leftovers count as done).
        using var again = IndexReembedder.Open(index, NewModel(), null);
        Assert.False(again.Resumed);
        Assert.Equal(new ReembedProgress(0, 8), again.Progress());
    }

    [Fact]
    public void A_searcher_without_a_model_open_across_the_swap_follows_it_to_the_new_vectors()
    {
        using var dir = new TempDirectory();
        string index = dir.File("index");
        using var writer = IndexWriter.Open(index, OldModel());
        writer.Upsert(Corpus());
        var sameWidth = new OffsetEncoder(new HashingTestEncoder(dimension: 64, name: "same-width")); // other vectors, same dimension
        using var reader = IndexSearcher.Open(index); // no encoder: more-like-this works on stored vectors only
        string Similar(IndexSearcher s) => string.Join(", ", s.MoreLikeThis("card-lost", top: 7).Hits
            .OrderByDescending(h => Math.Round(h.VectorScore!.Value, 5)).ThenBy(h => h.Id, StringComparer.Ordinal).Select(h => $"{h.Id}={h.VectorScore:F5}"));
        string before = Similar(reader);
        using (var re = IndexReembedder.Open(index, sameWidth, null)) re.Complete();
        using var fresh = IndexSearcher.Open(index);
        Assert.Equal(Similar(fresh), Similar(reader));
        Assert.NotEqual(before, Similar(reader));
    }

    /// <summary>Adds 0.5 to every component: same dimension, different cosines.</summary>
    private sealed class OffsetEncoder(HashingTestEncoder inner) : Embedding.ITextEncoder
    {
        public Embedding.EncoderIdentity Identity => inner.Identity;
        public int ClsId => inner.ClsId;
        public int SepId => inner.SepId;
        public int[] TokenIds(string text) => inner.TokenIds(text);
        public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) =>
            inner.EncodeIds(sequences, batchSize).Select(v => v.Select(x => x + 0.5f).ToArray()).ToArray();
    }

    [Fact]
    public void A_keyword_only_index_gets_vectors_and_a_model_through_a_reembedding()
    {
        using var dir = new TempDirectory();
        string index = dir.File("index");
        using var writer = IndexWriter.Open(index);
        writer.Upsert(Corpus());
        using var re = IndexReembedder.Open(index, NewModel(), null);
        Assert.Null(re.Current);
        re.Complete();
        Assert.Equal(VectorResults(BuiltDirectly(dir, Corpus(), NewModel()), NewModel()), VectorResults(index, NewModel()));
    }
}
