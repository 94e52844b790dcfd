using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Search;

/// <summary>
/// The "document carries every one of these tags" restriction, as SQL for the keyword leg and as a
/// set of row ids for the vector leg, so both legs filter before their top-k rather than after.
/// </summary>
internal sealed class TagFilter
{
    public IReadOnlyList<string> Tags { get; }

    public TagFilter(IReadOnlyList<string> tags) => Tags = tags.Distinct(StringComparer.Ordinal).ToArray();

    public bool IsEmpty => Tags.Count == 0;

    /// <summary>A subquery selecting the matching doc ids; binds its parameters on <paramref name="cmd"/>.</summary>
    public string SqlSubquery(SqliteCommand cmd)
    {
        var names = new List<string>();
        for (int i = 0; i < Tags.Count; i++)
        {
            string n = "$tag" + i;
            cmd.Parameters.AddWithValue(n, Tags[i]);
            names.Add(n);
        }
        cmd.Parameters.AddWithValue("$tagCount", Tags.Count);
        // (tag, doc) is the primary key, so COUNT(*) counts distinct tags.
        return $"SELECT doc FROM doc_tags WHERE tag IN ({string.Join(", ", names)}) GROUP BY doc HAVING COUNT(*) = $tagCount";
    }

    public HashSet<long> MatchingDocs(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = SqlSubquery(cmd);
        var set = new HashSet<long>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) set.Add(r.GetInt64(0));
        return set;
    }
}
