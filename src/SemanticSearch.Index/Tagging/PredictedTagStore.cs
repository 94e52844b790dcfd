using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tagging;

/// <summary>
/// Writes predicted tags inside a caller's transaction. A document's predicted tags and the record of
/// which head classified it (doc_taggings) are replaced together, so after any commit a document
/// carries the answer of exactly one head, or none.
/// </summary>
internal sealed class PredictedTagWriter : IDisposable
{
    private readonly SqliteCommand _deleteTags, _deleteTagging, _insertTag, _insertTagging;

    public PredictedTagWriter(SqliteConnection conn, SqliteTransaction tx)
    {
        _deleteTags = IndexDatabase.Prepare(conn, tx, "DELETE FROM predicted_tags WHERE doc = $doc", "$doc");
        _deleteTagging = IndexDatabase.Prepare(conn, tx, "DELETE FROM doc_taggings WHERE doc = $doc", "$doc");
        _insertTag = IndexDatabase.Prepare(conn, tx, "INSERT OR REPLACE INTO predicted_tags(tag, doc, confidence) VALUES ($tag, $doc, $c)", "$tag", "$doc", "$c");
        _insertTagging = IndexDatabase.Prepare(conn, tx, "INSERT OR REPLACE INTO doc_taggings(doc, head) VALUES ($doc, $head)", "$doc", "$head");
    }

    /// <summary>The document's predicted tags become <paramref name="tags"/> (empty: the head answered "unknown").</summary>
    public void Replace(long doc, IReadOnlyList<PredictedTag> tags, string headId)
    {
        Clear(doc);
        _insertTagging.Parameters["$doc"].Value = doc;
        _insertTagging.Parameters["$head"].Value = headId;
        _insertTagging.ExecuteNonQuery();
        _insertTag.Parameters["$doc"].Value = doc;
        foreach (var t in tags)
        {
            _insertTag.Parameters["$tag"].Value = t.Tag;
            _insertTag.Parameters["$c"].Value = t.Confidence;
            _insertTag.ExecuteNonQuery();
        }
    }

    /// <summary>Forgets a document's prediction (its text changed and no head was given to classify it again).</summary>
    public void Clear(long doc)
    {
        _deleteTags.Parameters["$doc"].Value = doc;
        _deleteTags.ExecuteNonQuery();
        _deleteTagging.Parameters["$doc"].Value = doc;
        _deleteTagging.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var c in new[] { _deleteTags, _deleteTagging, _insertTag, _insertTagging }) c.Dispose();
    }
}

/// <summary>Read-side helpers that also work on an index made before predicted tags existed.</summary>
internal static class PredictedTagTables
{
    /// <summary>
    /// Readers never change the schema (query_only), so an index written by an older build has no
    /// predicted_tags table until a writer opens it; such an index simply has no predicted tags.
    /// </summary>
    public static bool Exist(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('predicted_tags', 'doc_taggings')";
        return (long)cmd.ExecuteScalar()! == 2;
    }

    /// <summary>A document's predicted tags, most confident first.</summary>
    public static List<PredictedTag> Of(SqliteCommand query, long doc)
    {
        query.Parameters["$doc"].Value = doc;
        var tags = new List<PredictedTag>();
        using var r = query.ExecuteReader();
        while (r.Read()) tags.Add(new PredictedTag(r.GetString(0), r.GetDouble(1)));
        return tags;
    }

    public const string OfDocumentSql = "SELECT tag, confidence FROM predicted_tags WHERE doc = $doc ORDER BY confidence DESC, tag";

    /// <summary>
    /// Refuses to mix heads: an index whose documents were classified by another head must be retagged
    /// first, otherwise a filter on a label would silently mean different things for different documents.
    /// Records the head when the index has none (or none of its documents is tagged).
    /// </summary>
    public static TaggingHead Adopt(SqliteConnection conn, DocumentTagger tagger, string indexDirectory)
    {
        var recorded = TaggingHead.Read(conn);
        if (recorded is not null && recorded.Fingerprint == tagger.HeadFingerprint) return recorded;
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT COUNT(*) FROM doc_taggings WHERE head <> $h";
            cmd.Parameters.AddWithValue("$h", tagger.HeadId);
            long others = (long)cmd.ExecuteScalar()!;
            if (others > 0)
                throw new ModelMismatchException(
                    $"index '{indexDirectory}' holds predicted tags of {others} documents from another classifier head " +
                    $"({recorded?.Id ?? "unknown"}{(recorded?.Path is null ? "" : $" at '{recorded.Path}'")}); re-tag it with the new head first: semsearch retag --index {indexDirectory} --classifier DIR");
        }
        var head = tagger.Describe();
        using var tx = conn.BeginTransaction();
        head.Write(conn, tx);
        tx.Commit();
        return head;
    }
}
