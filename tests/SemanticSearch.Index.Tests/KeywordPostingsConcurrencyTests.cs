using SemanticSearch.Index.Search;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// Searches on the in-memory keyword postings while another writer commits: every result must be
/// exactly FTS5's result at one of the committed states (never a stale or half-applied mix), and the
/// postings must keep answering (not fall back to FTS5 for everything).
/// </summary>
public class KeywordPostingsConcurrencyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Render(SearchResults r) => string.Join(" ", r.Hits.Select(h => $"{h.Id}:{h.KeywordScore:R}"));

    [Fact]
    public void Every_result_during_commits_is_fts5s_result_at_some_committed_state()
    {
        var rnd = new Random(77);
        string[] words = ["card", "cards", "refund", "how", "do", "i", "top", "up", "café", "cafe", "pending", "fee", "transfer"];
        string Text(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[rnd.Next(words.Length)]));
        using (var w = IndexWriter.Open(_dir.Path))
            w.Upsert(Enumerable.Range(0, 400).Select(i => new SourceDocument($"d{i}", i % 3 == 0 ? Text(2) : "", Text(rnd.Next(3, 15)), [])).ToList());
        string[] queries = ["card refund", "how do i", "café fee", "top up pending transfer"];
        SearchRequest Request(string q) => new(q) { Top = 20, Snippets = false };

        var expected = queries.ToDictionary(q => q, _ => new HashSet<string>());
        void RecordExpected()
        {
            using var fts5 = IndexSearcher.Open(_dir.Path);
            foreach (var q in queries) expected[q].Add(Render(fts5.Search(Request(q))));
        }
        RecordExpected();

        using var memory = IndexSearcher.Open(_dir.Path, keywordLeg: KeywordLegMode.InMemoryPostings);
        var observed = new System.Collections.Concurrent.ConcurrentBag<(string Query, string Result)>();
        using var done = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(t => Task.Run(() =>
        {
            int i = t;
            while (!done.IsCancellationRequested)
            {
                string q = queries[i++ % queries.Length];
                observed.Add((q, Render(memory.Search(Request(q)))));
            }
        })).ToArray();
        void AwaitSearches()
        {
            // Readers must search between commits, or the test checks nothing.
            int target = observed.Count + 6;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (observed.Count < target && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(1);
        }
        AwaitSearches();
        for (int round = 0; round < 12; round++)
        {
            // One commit per round (each write call is a transaction), so every committed state gets recorded.
            using (var w = IndexWriter.Open(_dir.Path))
            {
                if (round % 2 == 0) w.Upsert(Enumerable.Range(0, 15).Select(_ => new SourceDocument($"d{rnd.Next(450)}", "", Text(rnd.Next(3, 15)), [])).DistinctBy(d => d.Id).ToList());
                else w.Delete(Enumerable.Range(0, 5).Select(_ => $"d{rnd.Next(450)}"));
            }
            RecordExpected();
            AwaitSearches();
        }
        done.Cancel();
        Task.WaitAll(readers);

        Assert.NotEmpty(observed);
        foreach (var (q, result) in observed)
            Assert.True(expected[q].Contains(result), $"query '{q}' returned a ranking FTS5 never gave at any committed state: {result}");
        Assert.True(memory.KeywordLegCounts.InMemory > 0, "no query was answered from the in-memory postings");
        // After the writes, a query sees the last commit.
        using var last = IndexSearcher.Open(_dir.Path);
        foreach (var q in queries) Assert.Equal(Render(last.Search(Request(q))), Render(memory.Search(Request(q))));
    }
}
