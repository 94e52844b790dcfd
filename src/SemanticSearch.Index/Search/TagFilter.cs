using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Index.Search;

/// <summary>
/// The "document carries every one of these tags" restriction, as SQL for the keyword leg and as a
/// set of row ids for the vector leg, so both legs filter before their top-k rather than after.
/// Given tags (doc_tags) and predicted tags (predicted_tags, each at or above a minimum confidence)
/// are separate lists; a document must satisfy both.
/// </summary>
internal sealed class TagFilter
{
    public IReadOnlyList<string> Tags { get; }
    public IReadOnlyList<string> PredictedTags { get; }
    public double MinPredictedConfidence { get; }

    public TagFilter(IReadOnlyList<string> tags, IReadOnlyList<string>? predictedTags = null, double minPredictedConfidence = 0)
    {
        Tags = tags.Distinct(StringComparer.Ordinal).ToArray();
        PredictedTags = (predictedTags ?? []).Distinct(StringComparer.Ordinal).ToArray();
        MinPredictedConfidence = minPredictedConfidence;
    }

    public static TagFilter For(SearchRequest request) => new(request.Tags, request.PredictedTags, request.MinPredictedConfidence);

    public bool IsEmpty => Tags.Count == 0 && PredictedTags.Count == 0;

    /// <summary>A subquery selecting the matching doc ids; binds its parameters on <paramref name="cmd"/>.</summary>
    public string SqlSubquery(SqliteCommand cmd)
    {
        var parts = new List<string>();
        // (tag, doc) is the primary key of both tables, so COUNT(*) counts distinct tags.
        if (Tags.Count > 0)
            parts.Add($"SELECT doc FROM doc_tags WHERE tag IN ({Bind(cmd, "$tag", Tags)}) GROUP BY doc HAVING COUNT(*) = {Tags.Count}");
        if (PredictedTags.Count > 0)
        {
            if (cmd.Connection is { } conn && !PredictedTagTables.Exist(conn))
                parts.Add("SELECT doc FROM documents WHERE 0"); // an index from before predicted tags: nothing carries one
            else
            {
                cmd.Parameters.AddWithValue("$minConfidence", MinPredictedConfidence);
                parts.Add($"SELECT doc FROM predicted_tags WHERE tag IN ({Bind(cmd, "$ptag", PredictedTags)}) AND confidence >= $minConfidence " +
                          $"GROUP BY doc HAVING COUNT(*) = {PredictedTags.Count}");
            }
        }
        return string.Join(" INTERSECT ", parts);
    }

    private static string Bind(SqliteCommand cmd, string prefix, IReadOnlyList<string> values)
    {
        var names = new List<string>();
        for (int i = 0; i < values.Count; i++)
        {
            string n = prefix + i;
            cmd.Parameters.AddWithValue(n, values[i]);
            names.Add(n);
        }
        return string.Join(", ", names);
    }

    public HashSet<long> MatchingDocs(SqliteConnection conn)
    {
        // A filter lives for one search, inside one read snapshot: a hybrid search's two legs share the set
        // rather than each reading it by SQL.
        if (_matching is { } made && ReferenceEquals(_matchingConn, conn)) return made;
        _matching = ReadMatchingDocs(conn);
        _matchingConn = conn;
        return _matching;
    }

    private HashSet<long>? _matching;
    private SqliteConnection? _matchingConn;

    private HashSet<long> ReadMatchingDocs(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = SqlSubquery(cmd);
        var set = new HashSet<long>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) set.Add(r.GetInt64(0));
        return set;
    }
}
