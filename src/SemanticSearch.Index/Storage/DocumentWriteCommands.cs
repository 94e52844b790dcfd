using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// The prepared statements of one write transaction, created once per batch so that bulk ingest
/// does not re-parse SQL for every document.
///
/// The FTS5 table is written here rather than by triggers on `documents`, and only at the end of
/// the transaction (<see cref="WriteKeywordIndex"/>). Why: FTS5 keeps a transaction's postings in
/// memory and writes them as one segment at commit, but every statement that opens a statement
/// journal (any insert that fires a trigger, e.g. the vector change log) makes SQLite call FTS5's
/// savepoint hook, which flushes the pending postings as a new tiny segment. With an insert trigger
/// that was one segment per document plus the merges to fold them together: 3.6x the CPU of the
/// same inserts written directly (measured at 100k BANKING77-length documents). Queued to the end,
/// nothing fires between the FTS5 writes, and a batch becomes one segment.
///
/// New documents get their tags and postings from two set-based statements over the rows just
/// inserted (rowids above every existing one), not from a statement call per document: at ~10
/// words per document the per-call cost of the ADO.NET layer was as large as SQLite's own work.
/// The document rows themselves are inserted one statement call each, through the C API
/// (<see cref="RawStatement"/>) for the same reason.
/// </summary>
internal sealed class DocumentWriteCommands : IDisposable
{
    private readonly RawStatement _insert;
    private readonly SqliteCommand _update, _readContent, _deleteTags, _insertTag, _deleteVectors, _insertVector, _ftsInsert, _ftsDelete,
        _insertNewTags, _ftsInsertNew;
    private readonly SqliteParameter _ftsInsertDoc, _ftsInsertTitle, _ftsInsertText, _ftsDeleteDoc, _ftsDeleteTitle, _ftsDeleteText;
    // Documents inserted by this transaction have no tags or vectors to delete first.
    private readonly HashSet<long> _insertedHere = new();
    private long? _firstInsertedHere;
    private readonly List<(long Doc, string Title, string Text)> _ftsRemovals = new(), _ftsAdditions = new();

    public DocumentWriteCommands(SqliteConnection conn, SqliteTransaction tx)
    {
        // Runs in tx: a raw statement uses whatever transaction its connection has open.
        _insert = new RawStatement(conn, "INSERT INTO documents(id, title, text, tags, metadata, content_hash, record_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        _update = IndexDatabase.Prepare(conn, tx, "UPDATE documents SET title = $title, text = $text, tags = $tags, metadata = $metadata, content_hash = $ch, record_hash = $rh WHERE doc = $doc",
            "$doc", "$title", "$text", "$tags", "$metadata", "$ch", "$rh");
        _readContent = IndexDatabase.Prepare(conn, tx, "SELECT title, text FROM documents WHERE doc = $doc", "$doc");
        _deleteTags = IndexDatabase.Prepare(conn, tx, "DELETE FROM doc_tags WHERE doc = $doc", "$doc");
        _insertTag = IndexDatabase.Prepare(conn, tx, "INSERT OR IGNORE INTO doc_tags(tag, doc) VALUES ($tag, $doc)", "$tag", "$doc");
        _deleteVectors = IndexDatabase.Prepare(conn, tx, "DELETE FROM vectors WHERE doc = $doc", "$doc");
        _insertVector = IndexDatabase.Prepare(conn, tx, "INSERT INTO vectors(doc, window_no, token_start, vector) VALUES ($doc, $w, $start, $v)", "$doc", "$w", "$start", "$v");
        _ftsInsert = IndexDatabase.Prepare(conn, tx, "INSERT INTO fts(rowid, title, text) VALUES ($doc, $title, $text)", "$doc", "$title", "$text");
        // External-content FTS5 removes a row's postings given the exact values it was indexed with.
        _ftsDelete = IndexDatabase.Prepare(conn, tx, "INSERT INTO fts(fts, rowid, title, text) VALUES ('delete', $doc, $title, $text)", "$doc", "$title", "$text");
        _insertNewTags = IndexDatabase.Prepare(conn, tx, "INSERT OR IGNORE INTO doc_tags(tag, doc) SELECT t.value, d.doc FROM documents d, json_each(d.tags) t WHERE d.doc >= $first", "$first");
        _ftsInsertNew = IndexDatabase.Prepare(conn, tx, "INSERT INTO fts(rowid, title, text) SELECT doc, title, text FROM documents WHERE doc >= $first", "$first");
        (_ftsInsertDoc, _ftsInsertTitle, _ftsInsertText) = (_ftsInsert.Parameters["$doc"], _ftsInsert.Parameters["$title"], _ftsInsert.Parameters["$text"]);
        (_ftsDeleteDoc, _ftsDeleteTitle, _ftsDeleteText) = (_ftsDelete.Parameters["$doc"], _ftsDelete.Parameters["$title"], _ftsDelete.Parameters["$text"]);
    }

    public long Insert(DocumentPlan plan)
    {
        var d = plan.Document;
        _insert.BindText(1, d.Id);
        _insert.BindText(2, d.Title);
        _insert.BindText(3, d.Text);
        _insert.BindText(4, plan.Prepared.TagsJson);
        _insert.BindText(5, d.MetadataJson);
        _insert.BindBlob(6, plan.Prepared.ContentHash);
        _insert.BindBlob(7, plan.Prepared.RecordHash);
        try { _insert.Step(); }
        finally { _insert.Reset(); }
        // The row's own rowid, not a trigger's: SQLite restores last_insert_rowid when a trigger ends.
        long doc = _insert.LastInsertRowId;
        _insertedHere.Add(doc);
        // A new row's rowid is above every row that existed, so rows >= the first are exactly the new ones.
        _firstInsertedHere ??= doc;
        return doc;
    }

    public void Update(long doc, DocumentPlan plan)
    {
        _readContent.Parameters["$doc"].Value = doc;
        string oldTitle, oldText;
        using (var r = _readContent.ExecuteReader())
        {
            if (!r.Read()) throw new InvalidOperationException($"document row {doc} vanished during its update");
            (oldTitle, oldText) = (r.GetString(0), r.GetString(1));
        }
        _update.Parameters["$doc"].Value = doc;
        SetFields(_update, plan);
        _update.ExecuteNonQuery();
        var d = plan.Document;
        if (oldTitle == d.Title && oldText == d.Text) return; // tags or metadata only: postings unchanged
        _ftsRemovals.Add((doc, oldTitle, oldText));
        _ftsAdditions.Add((doc, d.Title, d.Text));
    }

    /// <summary>Sets an existing document's tags (a new document's come from its tags column in <see cref="Complete"/>).</summary>
    public void ReplaceTags(long doc, IReadOnlyList<string> tags)
    {
        if (_insertedHere.Contains(doc)) return;
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
        if (!_insertedHere.Contains(doc))
        {
            _deleteVectors.Parameters["$doc"].Value = doc;
            _deleteVectors.ExecuteNonQuery();
        }
        _insertVector.Parameters["$doc"].Value = doc;
        for (int w = 0; w < windows.Count; w++)
        {
            _insertVector.Parameters["$w"].Value = w;
            _insertVector.Parameters["$start"].Value = windows[w].TokenStart;
            _insertVector.Parameters["$v"].Value = VectorBlob.ToBytes(windows[w].Vector);
            _insertVector.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Writes the new documents' tags and postings, then the queued keyword-index changes of updated
    /// documents (removals with the old values, then additions). Call it after every other write of
    /// the transaction and before the commit; see the class comment.
    /// </summary>
    public void Complete()
    {
        if (_firstInsertedHere is long first)
        {
            _insertNewTags.Parameters["$first"].Value = first;
            _insertNewTags.ExecuteNonQuery();
            _ftsInsertNew.Parameters["$first"].Value = first;
            _ftsInsertNew.ExecuteNonQuery();
            _firstInsertedHere = null;
        }
        foreach (var (doc, title, text) in _ftsRemovals)
        {
            (_ftsDeleteDoc.Value, _ftsDeleteTitle.Value, _ftsDeleteText.Value) = (doc, title, text);
            _ftsDelete.ExecuteNonQuery();
        }
        foreach (var (doc, title, text) in _ftsAdditions)
        {
            (_ftsInsertDoc.Value, _ftsInsertTitle.Value, _ftsInsertText.Value) = (doc, title, text);
            _ftsInsert.ExecuteNonQuery();
        }
        _ftsRemovals.Clear();
        _ftsAdditions.Clear();
    }

    private static void SetFields(SqliteCommand cmd, DocumentPlan plan)
    {
        var d = plan.Document;
        cmd.Parameters["$title"].Value = d.Title;
        cmd.Parameters["$text"].Value = d.Text;
        cmd.Parameters["$tags"].Value = plan.Prepared.TagsJson;
        cmd.Parameters["$metadata"].Value = (object?)d.MetadataJson ?? DBNull.Value;
        cmd.Parameters["$ch"].Value = plan.Prepared.ContentHash;
        cmd.Parameters["$rh"].Value = plan.Prepared.RecordHash;
    }

    public void Dispose()
    {
        _insert.Dispose();
        foreach (var c in new[] { _update, _readContent, _deleteTags, _insertTag, _deleteVectors, _insertVector, _ftsInsert, _ftsDelete, _insertNewTags, _ftsInsertNew }) c.Dispose();
    }
}
