using Lucene.Net.Analysis;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Highlight;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>Turns ranked doc ids of one page into displayable hits: id, title, tags, predicted tags and a snippet.</summary>
internal static class HitLoader
{
    private const int PlainSnippetChars = 160;
    private const int FragmentChars = 150;

    public static List<SearchHit> Load(IndexReader reader, Analyzer analyzer, IReadOnlyList<FusedDoc> page, int firstRank, Query? query, SearchRequest? request)
    {
        Highlighter? highlighter = null;
        if (query is not null && request is { Snippets: true })
        {
            var scorer = new QueryScorer(query, IndexFields.Content);
            highlighter = new Highlighter(new SimpleHTMLFormatter(request.HighlightStart, request.HighlightEnd), scorer)
            {
                TextFragmenter = new SimpleSpanFragmenter(scorer, FragmentChars),
            };
        }
        var hits = new List<SearchHit>(page.Count);
        for (int i = 0; i < page.Count; i++)
        {
            var f = page[i];
            var record = DocLookup.ReadGlobal(reader, (int)f.Doc);
            string snippet = (highlighter is null ? null : Highlight(highlighter, analyzer, record.Text)) ?? PlainSnippet(record.Text);
            hits.Add(new SearchHit(firstRank + i, record.Id, record.Title, snippet, f.Score, f.KeywordScore, f.VectorScore, record.Tags)
            {
                PredictedTags = record.Predicted,
            });
        }
        return hits;
    }

    /// <summary>The best fragment of <paramref name="text"/> with the query's terms marked, or null when none of them is in it.</summary>
    private static string? Highlight(Highlighter highlighter, Analyzer analyzer, string text)
    {
        string? fragment = highlighter.GetBestFragment(analyzer, IndexFields.Content, text);
        if (fragment is null) return null;
        fragment = fragment.ReplaceLineEndings(" ").Trim();
        return fragment;
    }

    private static string PlainSnippet(string text)
    {
        string oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= PlainSnippetChars ? oneLine : oneLine[..PlainSnippetChars] + "…";
    }
}
