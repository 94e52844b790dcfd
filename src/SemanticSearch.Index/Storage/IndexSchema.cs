using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// Tables of an index. `documents` is the source of truth; the FTS5 table is an external-content
/// index over it, written in the same transaction as the documents (by the writer for inserts and
/// updates, by the delete trigger for deletes), so a document and its postings change together.
/// Vectors are one row per token window of a document, in an ordinary rowid table: a 384-d vector
/// is a 1.5 KiB row, far above the size where WITHOUT ROWID pays off (it wasted about half of every
/// page at 100k documents).
/// </summary>
internal static class IndexSchema
{
    public const int Version = 1;

    private const string CreateSql = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS documents(
            doc INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            tags TEXT NOT NULL,
            metadata TEXT,
            content_hash BLOB NOT NULL,
            record_hash BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS doc_tags(tag TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(tag, doc)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS doc_tags_by_doc ON doc_tags(doc);
        CREATE TABLE IF NOT EXISTS vectors(
            doc INTEGER NOT NULL,
            window_no INTEGER NOT NULL,
            token_start INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY(doc, window_no));
        CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
            title, text, content='documents', content_rowid='doc',
            tokenize='porter unicode61 remove_diacritics 2');
        CREATE TRIGGER IF NOT EXISTS documents_ad AFTER DELETE ON documents BEGIN
            INSERT INTO fts(fts, rowid, title, text) VALUES ('delete', old.doc, old.title, old.text);
            DELETE FROM vectors WHERE doc = old.doc;
            DELETE FROM doc_tags WHERE doc = old.doc;
        END;
        -- Inserts and updates reach the FTS5 table from DocumentWriteCommands, at the end of each
        -- write transaction (a trigger per row made FTS5 flush a segment per document); indexes
        -- created before that lose their insert/update triggers here, in place.
        DROP TRIGGER IF EXISTS documents_ai;
        DROP TRIGGER IF EXISTS documents_au;
        """;

    public static void EnsureCreated(SqliteConnection conn)
    {
        using var tx = conn.BeginTransaction();
        IndexDatabase.Execute(conn, CreateSql, tx);
        VectorChangeLog.EnsureCreated(conn, tx);
        DocumentChangeLog.EnsureCreated(conn, tx);
        Tagging.PredictedTagSchema.EnsureCreated(conn, tx);
        using (var cmd = conn.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', $v), ('generation', '0'), ('created_utc', $t);";
            cmd.Parameters.AddWithValue("$v", Version.ToString());
            cmd.Parameters.AddWithValue("$t", DateTime.UtcNow.ToString("O"));
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        int found = ReadVersion(conn);
        if (found != Version) throw new InvalidDataException($"index has schema version {found}, this build writes version {Version}");
    }

    public static int ReadVersion(SqliteConnection conn)
    {
        string? v = MetaTable.Get(conn, "schema_version");
        return v is null ? -1 : int.Parse(v);
    }
}
