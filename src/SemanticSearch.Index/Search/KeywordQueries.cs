using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>
/// The keyword leg's Lucene query for a request. User text by default: it is analyzed exactly as
/// the indexed text was (the index's recorded analyzer), and every distinct term becomes an optional
/// clause — BM25 over the OR of the terms, which no input can turn into a syntax error. With
/// <see cref="SearchRequest.AdvancedSyntax"/> the text is Lucene query syntax (phrases, AND/OR/NOT,
/// <c>field:</c>, wildcards, fuzzy~) parsed by the classic QueryParser; a syntax error is an
/// <see cref="QuerySyntaxException"/> naming the position.
/// </summary>
internal static class KeywordQueries
{
    /// <summary>The query, or null when the text has no searchable term (all stop words or punctuation).</summary>
    public static Query? For(SearchRequest request, Analyzer analyzer, double titleBoost = 0) =>
        request.AdvancedSyntax ? Parse(request.Query, analyzer) : FromUserText(request.Query, analyzer, titleBoost);

    /// <param name="titleBoost">0: the title is in the content field. Above 0: each term also searches the title field, boosted.</param>
    public static Query? FromUserText(string text, Analyzer analyzer, double titleBoost = 0)
    {
        var terms = Terms(text, analyzer);
        if (terms.Count == 0) return null;
        var query = new BooleanQuery();
        foreach (var t in terms.Take(BooleanQuery.MaxClauseCount / (titleBoost > 0 ? 2 : 1)))
        {
            query.Add(new TermQuery(new Term(IndexFields.Content, t)), Occur.SHOULD);
            if (titleBoost > 0) query.Add(new TermQuery(new Term(IndexFields.Title, t)) { Boost = (float)titleBoost }, Occur.SHOULD);
        }
        return query;
    }

    /// <summary>Distinct analyzed terms of <paramref name="text"/> in first-seen order.</summary>
    public static List<string> Terms(string text, Analyzer analyzer)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var terms = new List<string>();
        using var stream = analyzer.GetTokenStream(IndexFields.Content, text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            string t = term.ToString();
            if (t.Length > 0 && seen.Add(t)) terms.Add(t);
        }
        stream.End();
        return terms;
    }

    public static Query? Parse(string syntax, Analyzer analyzer)
    {
        var parser = new QueryParser(AnalyzerCatalog.Version, IndexFields.Content, analyzer) { AllowLeadingWildcard = false };
        try
        {
            var q = parser.Parse(syntax);
            // A query whose every term was a stop word parses to an empty BooleanQuery: no match, as for plain text.
            return q is BooleanQuery { Clauses.Count: 0 } ? null : q;
        }
        catch (ParseException e)
        {
            var at = e.CurrentToken?.Next;
            string where = at is null ? "" : $" at column {at.BeginColumn}";
            throw new QuerySyntaxException($"invalid Lucene query '{syntax}'{where}: {FirstLine(e.Message)}", at?.BeginColumn, e);
        }
        catch (BooleanQuery.TooManyClausesException e)
        {
            throw new QuerySyntaxException($"Lucene query '{syntax}' expands to more than {BooleanQuery.MaxClauseCount} terms; make the wildcard more specific", null, e);
        }
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\r', '\n']);
        return nl < 0 ? s : s[..nl];
    }
}

/// <summary>A query in Lucene syntax does not parse; <see cref="Column"/> is where (1-based), when known.</summary>
public sealed class QuerySyntaxException(string message, int? column, Exception inner) : ArgumentException(message, inner)
{
    public int? Column { get; } = column;
}
