using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Index.Search;

/// <summary>Turns ranked doc ids of one page into displayable hits: id, title, tags, predicted tags and a snippet.</summary>
internal sealed class HitLoader(SqliteConnection conn, KeywordSearcher keyword)
{
    private const int PlainSnippetChars = 160;

    public List<SearchHit> Load(IReadOnlyList<FusedDoc> page, int firstRank, string? match, SearchRequest? request)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT id, title, text, tags FROM documents WHERE doc = $doc";
        var p = cmd.Parameters.Add("$doc", SqliteType.Integer);
        // An index written before predicted tags existed has no table for them until a writer opens it.
        using var predicted = page.Count > 0 && PredictedTagTables.Exist(conn) ? conn.CreateCommand() : null;
        if (predicted is not null)
        {
            predicted.CommandText = PredictedTagTables.OfDocumentSql;
            predicted.Parameters.Add("$doc", SqliteType.Integer);
        }
        var hits = new List<SearchHit>(page.Count);
        for (int i = 0; i < page.Count; i++)
        {
            var f = page[i];
            p.Value = f.Doc;
            using var r = cmd.ExecuteReader();
            if (!r.Read()) continue; // cannot happen inside one snapshot; be defensive about a racing delete
            string text = r.GetString(2);
            string? snippet = match is null || request is null || !request.Snippets ? null : keyword.Snippet(match, f.Doc, request.HighlightStart, request.HighlightEnd);
            var tags = SemanticSearch.Index.Storage.TagListJson.Read(r.GetString(3));
            hits.Add(new SearchHit(firstRank + i, r.GetString(0), r.GetString(1), snippet ?? PlainSnippet(text), f.Score, f.KeywordScore, f.VectorScore, tags)
            {
                PredictedTags = predicted is null ? [] : PredictedTagTables.Of(predicted, f.Doc),
            });
        }
        return hits;
    }

    private static string PlainSnippet(string text)
    {
        string oneLine = text.ReplaceLineEndings(" ");
        return oneLine.Length <= PlainSnippetChars ? oneLine : oneLine[..PlainSnippetChars] + "…";
    }
}
