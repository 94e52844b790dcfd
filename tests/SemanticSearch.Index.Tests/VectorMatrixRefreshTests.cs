using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// The shared vector matrix catches up with commits by re-reading only the changed documents; after
/// any mix of upserts and deletes it must hold exactly what a fresh full load holds.
/// </summary>
public class VectorMatrixRefreshTests
{
    private static SourceDocument Doc(string id, string text, params string[] tags) => new(id, "", text, tags);

    private static void AssertSameVectors(VectorMatrix expected, VectorMatrix actual)
    {
        var e = expected.DocumentRows();
        var a = actual.DocumentRows();
        Assert.Equal(e.Keys, a.Keys);
        foreach (var (doc, rows) in e)
        {
            Assert.Equal(rows.Length, a[doc].Length);
            for (int i = 0; i < rows.Length; i++) Assert.True(rows[i].AsSpan().SequenceEqual(a[doc][i]), $"doc {doc} window {i} differs");
        }
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Documents, actual.Documents);
        Assert.Equal(expected.Generation, actual.Generation);
    }

    private static VectorMatrix FreshLoad(string dir, HashingTestEncoder enc)
    {
        using var fresh = IndexSearcher.Open(dir, enc);
        var m = fresh.RefreshVectors()!;
        Assert.False(m.Incremental);
        return m;
    }

    [Fact]
    public void After_upserts_updates_and_deletes_the_incremental_matrix_equals_a_fresh_load()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder(dimension: 64, maxSeqLength: 10); // long texts get several windows
        using var w = IndexWriter.Open(dir.Path, enc);
        w.Upsert(Enumerable.Range(0, 60).Select(i => Doc($"d{i}", $"apple {i} " + string.Join(' ', Enumerable.Repeat($"w{i}", i % 15)), i % 3 == 0 ? "three" : "other")).ToList());
        using var s = IndexSearcher.Open(dir.Path, enc);
        var first = s.RefreshVectors()!;
        Assert.False(first.Incremental);
        AssertSameVectors(FreshLoad(dir.Path, enc), first);

        var steps = new List<Action>
        {
            () => w.Upsert(Enumerable.Range(0, 10).Select(i => Doc($"d{i}", $"pear changed {i} long long long text here for windows")).ToList()),
            () => w.Upsert(Enumerable.Range(100, 5).Select(i => Doc($"n{i}", $"banana new {i}")).ToList()),
            () => w.Delete(new[] { "d11", "d12", "n101", "missing" }),
            () => w.Upsert(new[] { Doc("d20", "apple 20", "retagged") }), // tags only: no vector changes
            () => w.DeleteByTag("three"),
            () => w.Upsert(new[] { Doc("d11", "back again after delete"), Doc("d1", "changed twice now") }),
        };
        foreach (var step in steps)
        {
            step();
            var incremental = s.RefreshVectors()!;
            Assert.True(incremental.Incremental);
            AssertSameVectors(FreshLoad(dir.Path, enc), incremental);
        }
        // And searches through the incrementally refreshed matrix rank exactly as a fresh searcher's.
        using var fresh = IndexSearcher.Open(dir.Path, enc);
        foreach (var q in new[] { "apple 5", "pear changed", "banana", "back again" })
        {
            var a = s.Search(new SearchRequest(q) { Mode = SearchMode.Vector, Top = 20 }).Hits;
            var b = fresh.Search(new SearchRequest(q) { Mode = SearchMode.Vector, Top = 20 }).Hits;
            Assert.Equal(b.Select(h => (h.Id, h.VectorScore)), a.Select(h => (h.Id, h.VectorScore)));
        }
        Assert.True(s.PublishedVectors!.DeadRows > 0); // replaced groups are tombstoned, not rewritten
    }

    [Fact]
    public void Many_replacements_compact_the_arena_and_stay_equal_to_a_fresh_load()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder(dimension: 16);
        using var w = IndexWriter.Open(dir.Path, enc);
        w.Upsert(Enumerable.Range(0, 4200).Select(i => Doc($"d{i}", $"first {i}")).ToList());
        using var s = IndexSearcher.Open(dir.Path, enc);
        s.RefreshVectors();
        w.Upsert(Enumerable.Range(0, 4200).Select(i => Doc($"d{i}", $"second {i}")).ToList());
        var m = s.RefreshVectors()!;
        Assert.True(m.Incremental);
        Assert.Equal(0, m.DeadRows); // 4200 dead rows against 4200 live ones triggered a compaction
        AssertSameVectors(FreshLoad(dir.Path, enc), m);
    }

    [Fact]
    public void An_index_without_the_change_log_reloads_fully_until_a_writer_adds_it()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder(dimension: 32);
        using (var w = IndexWriter.Open(dir.Path, enc)) w.Upsert(new[] { Doc("a", "alpha"), Doc("b", "beta") });
        // Make it look like an index written before the log existed.
        using (var raw = new SqliteConnection($"Data Source={IndexDatabase.PathIn(dir.Path)};Pooling=False"))
        {
            raw.Open();
            IndexDatabase.Execute(raw, "DROP TRIGGER vectors_log_ai; DROP TRIGGER vectors_log_ad; DROP TRIGGER vectors_log_au; DROP TRIGGER vector_log_prune; DROP TABLE vector_log;");
        }
        using var s = IndexSearcher.Open(dir.Path, enc);
        Assert.Null(s.RefreshVectors()!.LogSequence);
        using (var w = IndexWriter.Open(dir.Path, enc)) w.Upsert(new[] { Doc("c", "gamma"), Doc("a", "alpha changed") });
        var upgraded = s.RefreshVectors()!;
        Assert.False(upgraded.Incremental);
        Assert.NotNull(upgraded.LogSequence);
        AssertSameVectors(FreshLoad(dir.Path, enc), upgraded);
        using (var w = IndexWriter.Open(dir.Path, enc)) w.Delete(new[] { "b" });
        var next = s.RefreshVectors()!;
        Assert.True(next.Incremental);
        AssertSameVectors(FreshLoad(dir.Path, enc), next);
    }

    [Fact]
    public void Concurrent_searches_during_refreshes_always_see_one_whole_commit()
    {
        // Every commit rewrites all documents to "common" + r copies of "x": within one commit all
        // documents score the same against "common", and each commit scores differently. A search
        // that saw half of a refresh would return mixed scores.
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder(dimension: 64);
        const int docs = 300, rounds = 25;
        string Text(int r) => "common " + string.Join(' ', Enumerable.Repeat("x", r));
        using var w = IndexWriter.Open(dir.Path, enc);
        w.Upsert(Enumerable.Range(0, docs).Select(i => Doc($"d{i}", Text(0))).ToList());
        using var s = IndexSearcher.Open(dir.Path, enc);
        s.RefreshVectors();
        using var stop = new CancellationTokenSource();
        int searches = 0;
        var readers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var hits = s.Search(new SearchRequest("common") { Mode = SearchMode.Vector, Top = docs }).Hits;
                Assert.Equal(docs, hits.Count);
                Assert.Single(hits.Select(h => h.VectorScore).Distinct());
                var rows = s.PublishedVectors!.DocumentRows();
                Assert.Equal(docs, rows.Count);
                Assert.Single(rows.Values.Select(v => string.Join(',', v[0])).Distinct());
                Interlocked.Increment(ref searches);
            }
        })).ToList();
        for (int r = 1; r <= rounds; r++)
        {
            w.Upsert(Enumerable.Range(0, docs).Select(i => Doc($"d{i}", Text(r))).ToList());
            if (r % 2 == 0) s.RefreshVectors(); // odd rounds: the readers refresh inline
        }
        while (Volatile.Read(ref searches) < 20 && readers.All(t => !t.IsCompleted)) Thread.Sleep(10);
        stop.Cancel();
        Task.WaitAll(readers.ToArray());
        var last = s.Search(new SearchRequest("common") { Mode = SearchMode.Vector, Top = 1 }).Hits[0];
        Assert.Equal(1 / Math.Sqrt(1 + rounds * rounds), last.VectorScore!.Value, 5);
    }

    [Fact]
    public void Get_and_GetMany_return_stored_documents_in_request_order()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path))
            w.Upsert(new[] { new SourceDocument("a", "Title A", "text a", new[] { "t1", "t2" }, "{\"k\":1}"), new SourceDocument("b", "text b") });
        using var s = IndexSearcher.Open(dir.Path);
        var a = s.Get("a")!;
        Assert.Equal(("Title A", "text a", "{\"k\":1}"), (a.Title, a.Text, a.MetadataJson));
        Assert.Equal(new[] { "t1", "t2" }, a.Tags);
        Assert.Null(s.Get("zzz"));
        var many = s.GetMany(new[] { "b", "zzz", "a" });
        Assert.Equal(new[] { "b", null, "a" }, many.Select(d => d?.Id));
        Assert.Null(many[0]!.MetadataJson);
    }
}
