using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// The vector matrix catches up with commits by loading only segments it has not seen (a commit adds
/// a segment; deletions are live-docs masks); after any mix of upserts and deletes it must hold
/// exactly what a fresh full load holds.
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
        var m = fresh.Refresh()!;
        Assert.Equal(m.Segments, m.SegmentsLoaded);
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
        var first = s.Refresh()!;
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
            var incremental = s.Refresh()!;
            // A commit writes at most one new segment; the others' matrices are reused, not reloaded.
            Assert.True(incremental.SegmentsLoaded <= 1, $"{incremental.SegmentsLoaded} of {incremental.Segments} segments reloaded");
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
        s.Refresh();
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
            if (r % 2 == 0) s.Refresh(); // odd rounds: the readers refresh inline
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
