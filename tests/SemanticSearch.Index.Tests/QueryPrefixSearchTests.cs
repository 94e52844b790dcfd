using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;

namespace SemanticSearch.Index.Tests;

/// <summary>The vector leg (search, FindSimilar by text) embeds the query through QueryTokenIds; documents never get the prefix.</summary>
public class QueryPrefixSearchTests
{
    /// <summary>A <see cref="HashingTestEncoder"/> whose queries read "beta beta beta " before the text, like a model prompt.</summary>
    private sealed class PrefixingEncoder : ITextEncoder
    {
        private readonly HashingTestEncoder _inner = new(name: "prefixing-test");
        public List<int[]> Embedded { get; } = new();
        public EncoderIdentity Identity => _inner.Identity;
        public int ClsId => _inner.ClsId;
        public int SepId => _inner.SepId;
        public int[] TokenIds(string text) => _inner.TokenIds(text);
        public int[] QueryTokenIds(string query) => _inner.TokenIds("beta beta beta " + query);
        public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize)
        {
            Embedded.AddRange(sequences);
            return _inner.EncodeIds(sequences, batchSize);
        }
    }

    [Fact]
    public void Vector_search_embeds_the_query_with_the_prefix_and_documents_without_it()
    {
        using var dir = new TempDirectory();
        var encoder = new PrefixingEncoder();
        using (var writer = IndexWriter.Open(dir.Path, encoder))
            writer.Upsert([new SourceDocument("a", "", "alpha", []), new SourceDocument("b", "", "beta", [])]);
        Assert.Equal([[1, .. encoder.TokenIds("alpha"), 2], [1, .. encoder.TokenIds("beta"), 2]], encoder.Embedded);

        using var searcher = IndexSearcher.Open(dir.Path, encoder);
        encoder.Embedded.Clear();
        var hits = searcher.Search(new SearchRequest("alpha") { Mode = SearchMode.Vector }).Hits;
        Assert.Equal([1, .. encoder.QueryTokenIds("alpha"), 2], Assert.Single(encoder.Embedded));
        Assert.Equal("b", hits[0].Id); // the query read as "beta beta beta alpha"
    }
}
