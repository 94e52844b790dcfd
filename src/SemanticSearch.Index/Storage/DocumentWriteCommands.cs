using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// The prepared statements of one write transaction, created once per batch so that bulk ingest
/// does not re-parse SQL for every document.
/// </summary>
internal sealed class DocumentWriteCommands : IDisposable
{
    private readonly SqliteCommand _insert, _update, _deleteTags, _insertTag, _deleteVectors, _insertVector;

    public DocumentWriteCommands(SqliteConnection conn, SqliteTransaction tx)
    {
        _insert = Make(conn, tx, "INSERT INTO documents(id, title, text, tags, metadata, content_hash, record_hash) VALUES ($id, $title, $text, $tags, $metadata, $ch, $rh) RETURNING doc",
            "$id", "$title", "$text", "$tags", "$metadata", "$ch", "$rh");
        _update = Make(conn, tx, "UPDATE documents SET title = $title, text = $text, tags = $tags, metadata = $metadata, content_hash = $ch, record_hash = $rh WHERE doc = $doc",
            "$doc", "$title", "$text", "$tags", "$metadata", "$ch", "$rh");
        _deleteTags = Make(conn, tx, "DELETE FROM doc_tags WHERE doc = $doc", "$doc");
        _insertTag = Make(conn, tx, "INSERT OR IGNORE INTO doc_tags(tag, doc) VALUES ($tag, $doc)", "$tag", "$doc");
        _deleteVectors = Make(conn, tx, "DELETE FROM vectors WHERE doc = $doc", "$doc");
        _insertVector = Make(conn, tx, "INSERT INTO vectors(doc, window_no, token_start, vector) VALUES ($doc, $w, $start, $v)", "$doc", "$w", "$start", "$v");
    }

    public long Insert(DocumentPlan plan)
    {
        _insert.Parameters["$id"].Value = plan.Document.Id;
        SetFields(_insert, plan);
        return (long)_insert.ExecuteScalar()!;
    }

    public void Update(long doc, DocumentPlan plan)
    {
        _update.Parameters["$doc"].Value = doc;
        SetFields(_update, plan);
        _update.ExecuteNonQuery();
    }

    public void ReplaceTags(long doc, IReadOnlyList<string> tags)
    {
        _deleteTags.Parameters["$doc"].Value = doc;
        _deleteTags.ExecuteNonQuery();
        _insertTag.Parameters["$doc"].Value = doc;
        foreach (var t in tags)
        {
            _insertTag.Parameters["$tag"].Value = t;
            _insertTag.ExecuteNonQuery();
        }
    }

    public void ReplaceVectors(long doc, IReadOnlyList<EmbeddedWindow> windows)
    {
        _deleteVectors.Parameters["$doc"].Value = doc;
        _deleteVectors.ExecuteNonQuery();
        _insertVector.Parameters["$doc"].Value = doc;
        for (int w = 0; w < windows.Count; w++)
        {
            _insertVector.Parameters["$w"].Value = w;
            _insertVector.Parameters["$start"].Value = windows[w].TokenStart;
            _insertVector.Parameters["$v"].Value = VectorBlob.ToBytes(windows[w].Vector);
            _insertVector.ExecuteNonQuery();
        }
    }

    private static void SetFields(SqliteCommand cmd, DocumentPlan plan)
    {
        var d = plan.Document;
        cmd.Parameters["$title"].Value = d.Title;
        cmd.Parameters["$text"].Value = d.Text;
        cmd.Parameters["$tags"].Value = TagListJson.Write(d.Tags);
        cmd.Parameters["$metadata"].Value = (object?)d.MetadataJson ?? DBNull.Value;
        cmd.Parameters["$ch"].Value = plan.ContentHash;
        cmd.Parameters["$rh"].Value = plan.RecordHash;
    }

    private static SqliteCommand Make(SqliteConnection conn, SqliteTransaction tx, string sql, params string[] parameters)
    {
        var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
        return cmd;
    }

    public void Dispose()
    {
        foreach (var c in new[] { _insert, _update, _deleteTags, _insertTag, _deleteVectors, _insertVector }) c.Dispose();
    }
}
