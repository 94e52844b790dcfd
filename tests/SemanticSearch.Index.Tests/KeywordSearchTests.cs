using SemanticSearch.Index.Search;

namespace SemanticSearch.Index.Tests;

public class KeywordSearchTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly IndexSearcher _searcher;

    public KeywordSearchTests()
    {
        using (var w = IndexWriter.Open(_dir.Path))
        {
            var docs = new List<SourceDocument>
            {
                new("title-hit", "Card arrival", "when will it come", new[] { "cards" }),
                new("text-hit", "Other", "my card arrival is late", new[] { "cards" }),
                new("near", "", "the NEAR operator and AND words with quotes \"x\" and C++ code: a-b", Array.Empty<string>()),
                new("cafe", "", "a café in Zürich", Array.Empty<string>()),
                new("runs", "", "she was running quickly", Array.Empty<string>()),
            };
            for (int i = 0; i < 30; i++) docs.Add(new SourceDocument($"filler{i:D2}", "", $"common word filler number {i}", new[] { i == 29 ? "rare" : "bulk" }));
            w.Upsert(docs);
        }
        _searcher = IndexSearcher.Open(_dir.Path);
    }

    public void Dispose() { _searcher.Dispose(); _dir.Dispose(); }

    private SearchResults Search(string q, int top = 10, int offset = 0, bool advanced = false, params string[] tags) =>
        _searcher.Search(new SearchRequest(q) { Top = top, Offset = offset, AdvancedSyntax = advanced, Tags = tags });

    [Theory]
    [InlineData("\"")]
    [InlineData("AND")]
    [InlineData("NEAR(")]
    [InlineData("*")]
    [InlineData(":")]
    [InlineData("-")]
    [InlineData("((card")]
    [InlineData("card)) OR")]
    [InlineData("🙂")]
    [InlineData("title:card")]
    [InlineData("NOT card^2 ~ \"unbalanced")]
    [InlineData("'; DROP TABLE documents; --")]
    public void Hostile_user_text_never_causes_a_syntax_error(string query)
    {
        var results = Search(query);
        Assert.NotNull(results.Hits);
        Assert.Equal(35, _searcher.Stats().Documents);
    }

    [Fact]
    public void Operators_in_user_text_are_plain_words()
    {
        Assert.Equal("near", Assert.Single(Search("NEAR(").Hits).Id);
        Assert.Equal("near", Assert.Single(Search("\"quotes").Hits).Id);
        Assert.Empty(Search("\"AND\"").Hits); // a stop word of the English analyzer, as in the text
        // Plain text has no fields: "title: card" is the words "title" and "card" (StandardTokenizer keeps
        // "title:card" as one word, as UAX #29 does).
        var cards = Search("title: card").Hits.Select(h => h.Id).ToList();
        Assert.Contains("title-hit", cards);
    }

    [Fact]
    public void Emoji_next_to_a_word_still_finds_the_word()
    {
        Assert.Equal("runs", Assert.Single(Search("🙂running🙂").Hits).Id);
    }

    [Fact]
    public void Terms_are_ored_like_lucene_and_stemmed_and_diacritics_folded()
    {
        var ids = Search("zurich runs").Hits.Select(h => h.Id).ToHashSet();
        Assert.Equal(new HashSet<string> { "cafe", "runs" }, ids);
        Assert.Equal("cafe", Assert.Single(Search("cafe").Hits).Id);
    }

    [Fact]
    public void Title_matches_outweigh_text_matches_and_scores_are_positive_descending()
    {
        var hits = Search("card arrival").Hits;
        Assert.Equal(new[] { "title-hit", "text-hit" }, hits.Select(h => h.Id));
        Assert.True(hits[0].KeywordScore > hits[1].KeywordScore);
        Assert.True(hits[1].KeywordScore > 0);
        Assert.Null(hits[0].VectorScore);
        Assert.Equal(new[] { "cards" }, hits[0].Tags);
    }

    [Fact]
    public void Snippet_highlights_matched_terms()
    {
        var hit = Search("late").Hits.Single();
        Assert.Contains("[late]", hit.Snippet);
    }

    [Fact]
    public void Lucene_syntax_passes_through_and_reports_bad_syntax_with_its_position()
    {
        Assert.Equal("runs", Assert.Single(Search("run*", advanced: true).Hits).Id);
        Assert.Equal("text-hit", Assert.Single(Search("\"card arrival\" NOT title:arrival", advanced: true).Hits).Id);
        Assert.Equal("text-hit", Assert.Single(Search("+card +late", advanced: true).Hits).Id);
        Assert.Equal("cafe", Assert.Single(Search("zurik~", advanced: true).Hits).Id);
        var e = Assert.Throws<QuerySyntaxException>(() => Search("card AND (arrival OR", advanced: true));
        Assert.Contains("invalid Lucene query", e.Message);
        Assert.Contains("column", e.Message);
        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.Contains("column", Assert.Throws<QuerySyntaxException>(() => Search("\"unbalanced", advanced: true)).Message);
    }

    [Fact]
    public void Stop_words_do_not_match()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path))
            w.Upsert(new[]
            {
                new SourceDocument("returns", "What is your return policy?", "You can return any item within 30 days.", Array.Empty<string>()),
                new SourceDocument("tracking", "Track a parcel", "Follow your package with the tracking number in your email.", Array.Empty<string>()),
            });
        using var s = IndexSearcher.Open(dir.Path);
        var hits = s.Search(new SearchRequest("where is my package")).Hits;
        Assert.Equal("tracking", Assert.Single(hits).Id);
        Assert.Empty(s.Search(new SearchRequest("is the a of")).Hits); // nothing but stop words: no term, no hit
    }

    [Fact]
    public void Paging_returns_consecutive_slices_of_the_same_ranking()
    {
        var all = Search("common", top: 30).Hits.Select(h => h.Id).ToList();
        Assert.Equal(30, all.Count);
        var page2 = Search("common", top: 10, offset: 10).Hits;
        Assert.Equal(all.Skip(10).Take(10), page2.Select(h => h.Id));
        Assert.Equal(11, page2[0].Rank);
        Assert.Empty(Search("common", top: 10, offset: 30).Hits);
    }

    [Fact]
    public void Tag_filter_applies_before_top_k()
    {
        // 29 'bulk' docs outrank nothing in particular; the only 'rare' one must still come back with k=1.
        var hits = Search("common filler", top: 1, tags: "rare").Hits;
        Assert.Equal("filler29", Assert.Single(hits).Id);
        Assert.Equal(2, Search("card", top: 5, tags: "cards").Hits.Count);
        Assert.Empty(Search("card", tags: new[] { "cards", "rare" }).Hits); // every tag must match
    }

    [Theory]
    [InlineData("", 10, 0)]
    [InlineData("  ", 10, 0)]
    [InlineData("x", 0, 0)]
    [InlineData("x", 10_001, 0)]
    [InlineData("x", 10, -1)]
    public void Invalid_requests_are_rejected(string q, int top, int offset)
    {
        Assert.Throws<ArgumentException>(() => Search(q, top, offset));
    }

    [Fact]
    public void Vector_modes_on_a_keyword_only_index_explain_why_they_fail()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _searcher.Search(new SearchRequest("card") { Mode = SearchMode.Hybrid }));
        Assert.Contains("keyword-only", e.Message);
    }
}
