using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

public class IndexStoreTests
{
    private static SourceDocument Doc(string id, string text, params string[] tags) => new(id, "", text, tags);

    private static List<string> Ids(IndexSearcher s, string query, int top = 100, params string[] tags) =>
        s.Search(new SearchRequest(query) { Top = top, Tags = tags }).Hits.Select(h => h.Id).ToList();

    [Fact]
    public void Create_write_reopen_keeps_documents_in_one_lucene_index()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path))
        {
            var r = w.Upsert(new[] { Doc("a", "apples and pears"), Doc("b", "bananas") });
            Assert.Equal(new UpsertResult(2, 0, 0, 0), r);
        }
        using (var w = IndexWriter.Open(dir.Path)) Assert.Equal(2, w.CountDocuments());
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal(new[] { "a" }, Ids(s, "apple"));
        Assert.Equal(2, s.Stats().Documents);
        Assert.True(IndexFiles.IsIndex(dir.Path));
        Assert.False(File.Exists(Path.Combine(dir.Path, "index.db")));
        Assert.Equal(CommitKeys.FormatVersion, CommittedState.Read(dir.Path)[CommitKeys.Format]);
    }

    [Fact]
    public void Second_writer_is_refused_with_clear_error_and_first_keeps_working()
    {
        using var dir = new TempDirectory();
        using var first = IndexWriter.Open(dir.Path);
        var e = Assert.Throws<IndexLockedException>(() => IndexWriter.Open(dir.Path));
        Assert.Contains("locked by another writer", e.Message);
        first.Upsert(new[] { Doc("a", "still writable") });
        using var reader = IndexSearcher.Open(dir.Path); // readers are never blocked by the writer
        Assert.Single(Ids(reader, "writable"));
    }

    [Fact]
    public void Lock_is_released_on_dispose()
    {
        using var dir = new TempDirectory();
        IndexWriter.Open(dir.Path).Dispose();
        using var again = IndexWriter.Open(dir.Path);
        Assert.Equal(0, again.CountDocuments());
    }

    [Fact]
    public void Opening_a_missing_index_for_search_is_an_error_and_creates_nothing()
    {
        using var dir = new TempDirectory();
        string missing = Path.Combine(dir.Path, "nope");
        Assert.Throws<DirectoryNotFoundException>(() => IndexSearcher.Open(missing));
        Assert.False(Directory.Exists(missing));
        Assert.Throws<FileNotFoundException>(() => IndexSearcher.Open(dir.Path));
    }

    [Fact]
    public void Upsert_replaces_by_id_and_skips_identical_documents()
    {
        using var dir = new TempDirectory();
        using var w = IndexWriter.Open(dir.Path);
        w.Upsert(new[] { Doc("a", "old words"), Doc("b", "other") });
        var r = w.Upsert(new[] { Doc("a", "new words"), Doc("b", "other") });
        Assert.Equal(new UpsertResult(0, 1, 1, 0), r);
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Empty(Ids(s, "old"));
        Assert.Equal(new[] { "a" }, Ids(s, "new"));
        Assert.Equal(2, s.Stats().Documents);
    }

    [Fact]
    public void Last_document_with_an_id_wins_within_a_batch()
    {
        using var dir = new TempDirectory();
        using var w = IndexWriter.Open(dir.Path);
        var r = w.Upsert(new[] { Doc("a", "first version"), Doc("a", "second version") });
        Assert.Equal(1, r.Added);
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Empty(Ids(s, "first"));
        Assert.Single(Ids(s, "second"));
    }

    [Fact]
    public void Unchanged_content_is_not_re_embedded_but_tag_changes_apply()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder();
        using var w = IndexWriter.Open(dir.Path, enc);
        w.Upsert(new[] { Doc("a", "red apple", "fruit"), Doc("b", "blue car") });
        Assert.Equal(2, enc.SequencesEncoded);
        var same = w.Upsert(new[] { Doc("a", "red apple", "fruit"), Doc("b", "blue car") });
        Assert.Equal(new UpsertResult(0, 0, 2, 0), same);
        var retag = w.Upsert(new[] { Doc("a", "red apple", "food") });
        Assert.Equal(new UpsertResult(0, 1, 0, 0), retag);
        Assert.Equal(2, enc.SequencesEncoded);
        w.Upsert(new[] { Doc("b", "green car") });
        Assert.Equal(3, enc.SequencesEncoded);
        using var s = IndexSearcher.Open(dir.Path, enc);
        Assert.Empty(Ids(s, "apple", tags: "fruit"));
        Assert.Equal(new[] { "a" }, Ids(s, "apple", tags: "food"));
        Assert.Equal(2, s.Stats().Windows); // replaced vectors, not added ones
    }

    [Fact]
    public void Delete_by_id_and_by_tag_removes_text_tags_and_vectors()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder();
        using var w = IndexWriter.Open(dir.Path, enc);
        w.Upsert(new[] { Doc("a", "alpha common", "x"), Doc("b", "beta common", "x", "y"), Doc("c", "gamma common", "y"), Doc("d", "delta common") });
        Assert.Equal(1, w.Delete(new[] { "a", "missing" }));
        Assert.Equal(2, w.DeleteByTag("y"));
        Assert.Equal(0, w.DeleteByTag("y"));
        using var s = IndexSearcher.Open(dir.Path, enc);
        Assert.Equal(new[] { "d" }, Ids(s, "common"));
        var st = s.Stats();
        Assert.Equal(1, st.Documents);
        Assert.Equal(1, st.Windows);
        Assert.Equal(0, st.DistinctTags);
        var vec = s.Search(new SearchRequest("alpha beta gamma delta") { Mode = SearchMode.Vector });
        Assert.Equal(new[] { "d" }, vec.Hits.Select(h => h.Id));
    }

    [Fact]
    public void A_failing_batch_applies_nothing_and_loses_nothing()
    {
        using var dir = new TempDirectory();
        using var w = IndexWriter.Open(dir.Path);
        w.Upsert(new[] { Doc("a", "kept text") });
        var bad = new[] { Doc("a", "overwritten text"), Doc("n", "new doc"), new SourceDocument("m", "", "x", Array.Empty<string>(), "{not json") };
        var e = Assert.Throws<ArgumentException>(() => w.Upsert(bad));
        Assert.Contains("'m'", e.Message);
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal(new[] { "a" }, Ids(s, "kept"));
        Assert.Empty(Ids(s, "overwritten new"));
        Assert.Equal(1, s.Stats().Documents);
    }

    [Fact]
    public void Searcher_sees_later_commits_of_a_concurrent_writer()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder();
        using var w = IndexWriter.Open(dir.Path, enc);
        w.Upsert(new[] { Doc("a", "first doc") });
        using var s = IndexSearcher.Open(dir.Path, enc);
        Assert.Single(s.Search(new SearchRequest("doc") { Mode = SearchMode.Vector }).Hits);
        w.Upsert(new[] { Doc("b", "second doc") });
        // The vector matrix is reloaded because the generation moved.
        Assert.Equal(2, s.Search(new SearchRequest("doc") { Mode = SearchMode.Vector }).Hits.Count);
        Assert.Equal(2, Ids(s, "doc").Count);
    }
}
