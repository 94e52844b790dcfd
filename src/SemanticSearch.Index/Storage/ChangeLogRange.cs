using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// Reads a range of a trigger-written change log (<see cref="VectorChangeLog"/>, <see cref="DocumentChangeLog"/>):
/// tables of (seq, doc) whose oldest rows are pruned, so a reader must notice when the range it asks for
/// is no longer all there.
/// </summary>
internal static class ChangeLogRange
{
    /// <summary>
    /// The distinct documents logged in <paramref name="table"/> after <paramref name="since"/> up to
    /// <paramref name="upTo"/>, in first-logged order, or null when part of that range has been pruned
    /// (the caller must reload everything).
    /// </summary>
    public static List<long>? ChangedSince(SqliteConnection conn, string table, long since, long upTo)
    {
        if (upTo == since) return new List<long>();
        if (upTo < since) return null;
        using var cmd = conn.CreateCommand();
        cmd.CommandText = $"SELECT seq, doc FROM {table} WHERE seq > $since AND seq <= $upTo ORDER BY seq";
        cmd.Parameters.AddWithValue("$since", since);
        cmd.Parameters.AddWithValue("$upTo", upTo);
        var seen = new HashSet<long>();
        var docs = new List<long>();
        bool first = true;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            // Pruning only ever removes a prefix, so the range is complete iff its first entry is there.
            if (first && r.GetInt64(0) != since + 1) return null;
            first = false;
            long doc = r.GetInt64(1);
            if (seen.Add(doc)) docs.Add(doc);
        }
        return first ? null : docs;
    }
}
