using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tagging;

/// <summary>
/// Predicted tags of an index, as `semsearch stats` shows them: the recorded head, how many documents
/// it has classified (those with a label and those it answered "unknown" for), how many carry an older
/// head's answer (a re-tag that has not finished) or none (added without a head), and documents per label.
/// </summary>
public sealed record PredictedTagStats(TaggingHead? Head, long Documents, long ByCurrentHead, long UnknownByCurrentHead,
                                       long ByOtherHeads, long Untagged, IReadOnlyList<(string Tag, long Documents)> Tags)
{
    public static PredictedTagStats Read(string indexDirectory)
    {
        using var conn = IndexDatabase.OpenForRead(indexDirectory);
        using var snapshot = new ReadSnapshot(conn);
        long documents = Count(conn, "SELECT COUNT(*) FROM documents", null);
        if (!PredictedTagTables.Exist(conn)) return new PredictedTagStats(null, documents, 0, 0, 0, documents, []);
        var head = TaggingHead.Read(conn);
        string id = head?.Id ?? "";
        long current = Count(conn, "SELECT COUNT(*) FROM doc_taggings WHERE head = $h", id);
        long all = Count(conn, "SELECT COUNT(*) FROM doc_taggings", null);
        long unknown = Count(conn, "SELECT COUNT(*) FROM doc_taggings t WHERE t.head = $h AND NOT EXISTS (SELECT 1 FROM predicted_tags p WHERE p.doc = t.doc)", id);
        var tags = new List<(string, long)>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT tag, COUNT(*) FROM predicted_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tags.Add((r.GetString(0), r.GetInt64(1)));
        }
        return new PredictedTagStats(head, documents, current, unknown, all - current, documents - all, tags);
    }

    private static long Count(SqliteConnection conn, string sql, string? head)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        if (head is not null) cmd.Parameters.AddWithValue("$h", head);
        return (long)cmd.ExecuteScalar()!;
    }
}
