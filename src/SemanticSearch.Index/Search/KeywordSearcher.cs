using Microsoft.Data.Sqlite;

// Tests read the keyword query's plan (KeywordSearcher.Command) to check the tag filter does not run MATCH per row.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SemanticSearch.Index.Tests")]

namespace SemanticSearch.Index.Search;

/// <summary>
/// BM25 over the FTS5 table. Title matches count twice as much as text matches. FTS5's bm25() is
/// lower-is-better, so scores are negated here to make every leg higher-is-better.
/// </summary>
internal sealed class KeywordSearcher(SqliteConnection conn)
{
    /// <summary>bm25() column weights: title, text. The in-memory postings rank with the same numbers.</summary>
    public static readonly IReadOnlyList<double> ColumnWeights = [2.0, 1.0];

    public static readonly string Bm25 = $"bm25(fts, {string.Join(", ", ColumnWeights.Select(w => w.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture)))})";

    /// <summary>The FTS5 MATCH expression for a request, or null when the text has no searchable term.</summary>
    public static string? MatchExpression(SearchRequest request) =>
        request.AdvancedSyntax ? request.Query : Fts5QueryBuilder.FromUserText(request.Query);

    /// <summary>
    /// The top-<paramref name="limit"/> query, tag filter included so it applies before the LIMIT.
    /// The filter is written <c>+rowid IN (…)</c>: with a bare <c>rowid IN</c> SQLite hands the IN
    /// list to FTS5 as a rowid constraint (plan "INDEX 0:=M…"), and FTS5 then runs the whole MATCH
    /// once per tagged row, which at 100k documents took seconds to minutes per query (issue #3).
    /// The unary plus hides the constraint from FTS5, so the MATCH runs once and each hit is checked
    /// against the tag subquery, which SQLite evaluates once into a lookup table.
    /// </summary>
    internal SqliteCommand Command(string match, int limit, TagFilter filter)
    {
        var cmd = conn.CreateCommand();
        string tagClause = filter.IsEmpty ? "" : $" AND +rowid IN ({filter.SqlSubquery(cmd)})";
        cmd.CommandText = $"SELECT rowid, {Bm25} FROM fts WHERE fts MATCH $q{tagClause} ORDER BY {Bm25}, rowid LIMIT $limit";
        cmd.Parameters.AddWithValue("$q", match);
        cmd.Parameters.AddWithValue("$limit", limit);
        return cmd;
    }

    public List<ScoredDoc> Search(string match, int limit, TagFilter filter)
    {
        using var cmd = Command(match, limit, filter);
        var hits = new List<ScoredDoc>();
        try
        {
            using var r = cmd.ExecuteReader();
            while (r.Read()) hits.Add(new ScoredDoc(r.GetInt64(0), -r.GetDouble(1)));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1)
        {
            // Only reachable with AdvancedSyntax: the user's own FTS5 expression is malformed.
            throw new ArgumentException($"invalid FTS5 query '{match}': {e.Message}", e);
        }
        return hits;
    }

    /// <summary>Best matching fragment of <paramref name="doc"/> with terms highlighted, or null if it does not match.</summary>
    public string? Snippet(string match, long doc, string start, string end)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT snippet(fts, -1, $a, $b, '…', 24) FROM fts WHERE fts MATCH $q AND rowid = $doc";
        cmd.Parameters.AddWithValue("$q", match);
        cmd.Parameters.AddWithValue("$doc", doc);
        cmd.Parameters.AddWithValue("$a", start);
        cmd.Parameters.AddWithValue("$b", end);
        return cmd.ExecuteScalar() as string;
    }
}
