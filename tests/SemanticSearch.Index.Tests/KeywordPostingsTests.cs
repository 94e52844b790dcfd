using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Search;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// The in-memory keyword leg (KeywordLegMode.InMemoryPostings) must rank exactly like FTS5's
/// bm25(fts, 2.0, 1.0) ORDER BY bm25, rowid: same ids in the same order, same scores. Each check runs
/// the same request on a searcher in each mode over the same index, on seeded random corpora, and
/// requires that the in-memory searcher actually answered from its postings.
/// </summary>
public class KeywordPostingsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    // Frequent words (most documents), stemming families, diacritics and case variants, rare words.
    private static readonly string[] Frequent = ["how", "do", "i", "my", "the", "to", "card"];
    private static readonly string[] Vocabulary =
    [
        "run", "running", "runs", "runner", "ran", "connect", "connected", "connection", "connections",
        "café", "cafe", "CAFÉ", "Zürich", "zurich", "naïve", "naive", "résumé", "resume", "Ångström", "façade",
        "transfer", "transfers", "transferring", "pin", "PIN", "atm", "cash", "refund", "refunded", "exchange",
        "rate", "rates", "top", "up", "topped", "declined", "decline", "pending", "fee", "fees", "charged",
        "Straße", "strasse", "über", "uber", "niño", "nino", "日本", "東京", "x2", "3d", "2024",
    ];
    private static readonly string[] Rare = ["quixotic", "zephyr", "marmalade", "obelisk", "xylophone"];

    public void Dispose() => _dir.Dispose();

    private static string Words(Random rnd, int min, int max)
    {
        int n = rnd.Next(min, max + 1);
        var words = new List<string>(n);
        for (int i = 0; i < n; i++)
        {
            double p = rnd.NextDouble();
            string w = p < 0.45 ? Frequent[rnd.Next(Frequent.Length)] : p < 0.97 ? Vocabulary[rnd.Next(Vocabulary.Length)] : Rare[rnd.Next(Rare.Length)];
            words.Add(w);
            if (rnd.NextDouble() < 0.1) words.Add(w); // repeated term
        }
        return string.Join(rnd.NextDouble() < 0.2 ? ", " : " ", words);
    }

    private static List<SourceDocument> Corpus(Random rnd, int count, string prefix)
    {
        var docs = new List<SourceDocument>();
        for (int i = 0; i < count; i++)
        {
            string title = rnd.NextDouble() < 0.4 ? "" : Words(rnd, 1, 4);
            var tags = new List<string> { $"t{rnd.Next(4)}" };
            if (rnd.NextDouble() < 0.3) tags.Add("extra");
            docs.Add(new SourceDocument($"{prefix}{i}", title, Words(rnd, 2, 25), tags));
        }
        // Exact duplicates tie in score, so the top-k boundary has to break ties by rowid as FTS5 does.
        for (int i = 0; i < count / 10; i++)
        {
            var d = docs[rnd.Next(docs.Count)];
            docs.Add(d with { Id = $"{prefix}dup{i}" });
        }
        return docs;
    }

    private static List<string> Queries(Random rnd, int count)
    {
        var queries = new List<string>
        {
            "how do i", "my card", "How do I top up my card?", "the the the", "running runners ran", "CAFE café Cafe",
            "zurich ZÜRICH", "nothingmatchesthis", "qqq zzz", "naïve résumé", "日本", "x2 3d 2024", "connection's \"connected\" (connect)",
            "Straße strasse", "how do i transfer cash to my card and why was i charged a fee",
        };
        while (queries.Count < count)
        {
            int n = rnd.Next(1, 7);
            queries.Add(string.Join(' ', Enumerable.Range(0, n).Select(_ => rnd.NextDouble() < 0.5 ? Frequent[rnd.Next(Frequent.Length)]
                : rnd.NextDouble() < 0.9 ? Vocabulary[rnd.Next(Vocabulary.Length)] : Rare[rnd.Next(Rare.Length)])));
        }
        return queries;
    }

    /// <summary>Runs every query (and a tag-filtered variant) on both searchers and compares ids, order and scores.</summary>
    private static void AssertSameAsFts5(IndexSearcher memory, IndexSearcher fts5, IEnumerable<string> queries, int top)
    {
        var before = memory.KeywordLegCounts;
        int compared = 0;
        foreach (string q in queries)
        {
            foreach (var tags in new[] { Array.Empty<string>(), new[] { "t1" }, new[] { "t2", "extra" }, new[] { "no-such-tag" } })
            {
                var request = new SearchRequest(q) { Top = top, Tags = tags, Snippets = false };
                var expected = fts5.Search(request).Hits;
                var actual = memory.Search(request).Hits;
                string what = $"query '{q}' tags [{string.Join(",", tags)}]";
                Assert.True(expected.Select(h => h.Id).SequenceEqual(actual.Select(h => h.Id)),
                    $"{what}: FTS5 [{string.Join(", ", expected.Select(h => $"{h.Id}:{h.KeywordScore:R}"))}] vs in-memory [{string.Join(", ", actual.Select(h => $"{h.Id}:{h.KeywordScore:R}"))}]");
                for (int i = 0; i < expected.Count; i++)
                {
                    double e = expected[i].KeywordScore!.Value, a = actual[i].KeywordScore!.Value;
                    Assert.True(Math.Abs(e - a) <= 1e-6 * Math.Abs(e), $"{what}, hit {i} ({expected[i].Id}): FTS5 {e:R}, in-memory {a:R}");
                }
                if (Fts5QueryBuilder.FromUserText(q) is not null) compared++; // a query with no searchable term reaches neither leg
            }
        }
        var after = memory.KeywordLegCounts;
        Assert.Equal(before.Fts5, after.Fts5); // none of these needed the FTS5 fallback
        Assert.Equal(compared, after.InMemory - before.InMemory);
    }

    private IndexSearcher Fts5() => IndexSearcher.Open(_dir.Path);
    private IndexSearcher InMemory() => IndexSearcher.Open(_dir.Path, keywordLeg: KeywordLegMode.InMemoryPostings);

    [Theory]
    [InlineData(11, 300)]
    [InlineData(12, 1200)]
    public void Random_corpus_ranks_like_fts5(int seed, int docs)
    {
        var rnd = new Random(seed);
        using (var w = IndexWriter.Open(_dir.Path)) w.Upsert(Corpus(rnd, docs, "d"));
        using var memory = InMemory();
        using var fts5 = Fts5();
        AssertSameAsFts5(memory, fts5, Queries(rnd, 60), top: 20);
        AssertSameAsFts5(memory, fts5, Queries(rnd, 10), top: 1000); // every matching document
        var postings = memory.RefreshKeywordPostings()!;
        Assert.False(postings.Incremental);
        Assert.Equal(docs + docs / 10, postings.Documents);
        Assert.Equal(postings.Documents, postings.RowCount);
    }

    [Fact]
    public void Frequent_only_and_non_matching_queries()
    {
        var rnd = new Random(5);
        using (var w = IndexWriter.Open(_dir.Path)) w.Upsert(Corpus(rnd, 500, "d"));
        using var memory = InMemory();
        using var fts5 = Fts5();
        // Terms in most documents have idf <= 0, which FTS5 clamps to 1e-6: scores are tiny and mostly tied.
        AssertSameAsFts5(memory, fts5, ["how", "how do i", "i my the to", "How do I do my card"], top: 50);
        Assert.NotEmpty(memory.Search(new SearchRequest("how do i")).Hits);
        AssertSameAsFts5(memory, fts5, ["nothingmatchesthis", "zzz qqq", "!!!", "\"", "🙂"], top: 10);
        Assert.Empty(memory.Search(new SearchRequest("nothingmatchesthis zzz")).Hits);
    }

    [Fact]
    public void Updates_deletes_reinserts_and_another_writers_commits_keep_the_ranking_exact()
    {
        var rnd = new Random(21);
        var corpus = Corpus(rnd, 800, "d");
        using (var w = IndexWriter.Open(_dir.Path)) w.Upsert(corpus);
        using var memory = InMemory();
        var queries = Queries(rnd, 30);
        using (var fts5 = Fts5()) AssertSameAsFts5(memory, fts5, queries, top: 30);

        for (int round = 0; round < 4; round++)
        {
            // Each round is a commit by a writer the searcher knows nothing about.
            using (var w = IndexWriter.Open(_dir.Path))
            {
                var edited = Enumerable.Range(0, 40).Select(_ => corpus[rnd.Next(corpus.Count)]).DistinctBy(d => d.Id)
                    .Select(d => d with { Title = rnd.NextDouble() < 0.5 ? d.Title : Words(rnd, 1, 3), Text = Words(rnd, 2, 20) }).ToList();
                w.Upsert(edited);
                var gone = Enumerable.Range(0, 30).Select(_ => corpus[rnd.Next(corpus.Count)].Id).Distinct().ToList();
                w.Delete(gone);
                // Re-insert some of the deleted ids (new rowids), and delete the newest rows so the
                // next inserts reuse their rowids (documents.doc is max + 1).
                w.Upsert(gone.Take(10).Select(id => new SourceDocument(id, Words(rnd, 0, 2), Words(rnd, 3, 12), ["t1"])).ToList());
                w.Delete(gone.Take(3));
                w.Upsert(Corpus(rnd, 20, $"r{round}-"));
                w.Upsert(edited.Take(5).Select(d => d with { Tags = ["t2", "extra"] }).ToList()); // tags only: no content change
            }
            using var fts5 = Fts5();
            AssertSameAsFts5(memory, fts5, queries, top: 30);
            var postings = memory.RefreshKeywordPostings()!;
            Assert.True(postings.Incremental, $"round {round}: the postings were reloaded instead of refreshed from the change log");
            Assert.Equal(fts5.Stats().Documents, postings.Documents);
            Assert.Equal(postings.Documents, postings.RowCount);
        }
    }

    [Fact]
    public void Rowids_reused_after_deleting_the_newest_documents_are_picked_up()
    {
        using (var w = IndexWriter.Open(_dir.Path))
        {
            w.Upsert(Enumerable.Range(0, 6).Select(i => new SourceDocument($"d{i}", "", $"refund card {i}", ["t1"])).ToList()); // rows 1..6
            w.Delete(["d4"]); // row 5 is a gap before the searcher loads, so no log entry of it is ever read
        }
        using var memory = InMemory();
        using (var fts5 = Fts5()) AssertSameAsFts5(memory, fts5, ["refund", "card"], top: 10);
        using (var w = IndexWriter.Open(_dir.Path))
        {
            w.Delete(["d5"]); // row 6: the newest row is now 4
            w.Upsert([new SourceDocument("n1", "refund", "refund refund marmalade", [])]); // row 5, not logged anywhere
            w.Upsert([new SourceDocument("n2", "", "marmalade card", [])]);                 // row 6 again
            w.Delete(["n2"]);
            w.Upsert([new SourceDocument("n3", "", "marmalade refund", [])]);               // row 6 once more
        }
        using (var fts5 = Fts5()) AssertSameAsFts5(memory, fts5, ["refund", "marmalade", "card refund marmalade"], top: 10);
        Assert.Equal(["n1", "n3"], memory.Search(new SearchRequest("marmalade")).Hits.Select(h => h.Id).Order());
        Assert.True(memory.RefreshKeywordPostings()!.Incremental);
    }

    [Fact]
    public void Advanced_syntax_and_multi_token_terms_run_on_fts5()
    {
        using (var w = IndexWriter.Open(_dir.Path)) w.Upsert(Corpus(new Random(3), 200, "d"));
        using var memory = InMemory();
        using var fts5 = Fts5();
        var request = new SearchRequest("\"top up\" OR card*") { AdvancedSyntax = true, Top = 20 };
        Assert.Equal(fts5.Search(request).Hits.Select(h => h.Id), memory.Search(request).Hits.Select(h => h.Id));
        Assert.Equal((0L, 1L), memory.KeywordLegCounts);
        // Snippets come from FTS5 whichever leg ranked the hits.
        var hit = memory.Search(new SearchRequest("refund") { Top = 1 }).Hits.Single();
        Assert.Contains("[refund", hit.Snippet, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Query_tokens_come_from_fts5s_tokenizer()
    {
        using (var w = IndexWriter.Open(_dir.Path)) w.Upsert([new SourceDocument("a", "", "x", [])]);
        using var conn = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "index.db")};Mode=ReadOnly;Pooling=False");
        conn.Open();
        using var tokenizer = Fts5Tokenizer.For(conn);
        Assert.Equal(["title", "text"], tokenizer.Columns);
        var phrases = PostingsKeywordLeg.PhraseTokens(tokenizer, "Running CAFÉ Zürich connections running naïve");
        // porter stems, unicode61 folds case, remove_diacritics 2 strips accents; distinct raw terms stay separate phrases, in order.
        Assert.Equal(["run", "cafe", "zurich", "connect", "run", "naiv"], phrases); // "running" is a second phrase, as in FTS5
    }
}
