using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// The keyword leg's tag filter (issue #3): it must return exactly the unfiltered ranking restricted
/// to the tagged documents, at every top-k.
/// </summary>
public class KeywordTagFilterTests : IDisposable
{
    private static readonly string[] Words = ["card", "arrive", "late", "bank", "transfer", "fee", "cash", "atm", "pin", "refund", "limit", "account"];
    private static readonly string[] TagNames = ["a", "b", "c", "d", "e"];
    private readonly TempDirectory _dir = new();

    public KeywordTagFilterTests()
    {
        // 400 documents of 3-12 words from a small vocabulary (many ties and many matches per term),
        // each with a random subset of five tags.
        var rnd = new Random(3);
        var docs = Enumerable.Range(0, 400).Select(i => new SourceDocument($"d{i:D3}",
            rnd.Next(3) == 0 ? Words[rnd.Next(Words.Length)] : "",
            string.Join(' ', Enumerable.Range(0, rnd.Next(3, 13)).Select(_ => Words[rnd.Next(Words.Length)])),
            TagNames.Where(_ => rnd.Next(2) == 0).ToArray())).ToList();
        using var w = IndexWriter.Open(_dir.Path);
        w.Upsert(docs);
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string[]> Filters => new() { new[] { "a" }, new[] { "a", "b" }, new[] { "c", "d", "e" }, new[] { "e" } };

    [Theory]
    [MemberData(nameof(Filters))]
    public void Filtered_keyword_search_equals_the_full_ranking_filtered_in_memory(string[] tags)
    {
        using var s = IndexSearcher.Open(_dir.Path);
        foreach (var query in new[] { "card", "bank fee", "atm pin refund", "late arrive account limit" })
        {
            var all = s.Search(new SearchRequest(query) { Top = 1000, Snippets = false }).Hits;
            var expected = all.Where(h => tags.All(h.Tags.Contains)).ToList();
            Assert.True(expected.Count > 10, $"'{query}' with [{string.Join(',', tags)}] should match more than 10 documents for the test to mean something");
            foreach (int top in new[] { 1, 10, expected.Count + 5 })
            {
                var got = s.Search(new SearchRequest(query) { Top = top, Tags = tags, Snippets = false }).Hits;
                var want = expected.Take(top).ToList();
                Assert.Equal(want.Select(h => h.Id), got.Select(h => h.Id));
                Assert.Equal(want.Select(h => h.Score), got.Select(h => h.Score));
            }
        }
    }
}
