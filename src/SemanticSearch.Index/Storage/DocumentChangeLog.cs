using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// A log of the documents whose keyword-indexed content (title or text) was deleted or changed in
/// place, written by triggers on the documents table, so the in-memory keyword postings can catch up
/// with a commit by re-reading only those documents. The vector change log cannot serve here: a
/// keyword-only index writes no vectors. Updates of tags or metadata only are not logged (they do not
/// change the FTS5 table).
///
/// Inserts are not logged, so bulk ingest pays no trigger per document (a log insert per row cost
/// ~2.5 µs, about a tenth of keyword-only ingest). A reader finds them by rowid instead: documents.doc
/// is a plain INTEGER PRIMARY KEY, so a new row gets max(existing doc) + 1. A document the reader
/// holds that has not been deleted since (no log entry) therefore existed at every later insert, and
/// every row inserted after the reader's snapshot has a rowid above the largest such document
/// (<see cref="Search.KeywordPostingsRefresher"/> re-reads that range).
///
/// Sequence numbers are the log's rowids: the prune trigger always keeps the newest
/// <see cref="KeptEntries"/> rows, so the table never empties and a rowid is never handed out twice.
/// A reader that finds its position pruned away (or an index created before the log existed) reloads
/// everything instead.
/// </summary>
internal static class DocumentChangeLog
{
    public const long KeptEntries = 262_144;
    private const long PruneEvery = 4096;

    public static readonly string CreateSql = $"""
        CREATE TABLE IF NOT EXISTS document_log(seq INTEGER PRIMARY KEY, doc INTEGER NOT NULL);
        CREATE TRIGGER IF NOT EXISTS documents_log_ad AFTER DELETE ON documents BEGIN
            INSERT INTO document_log(doc) VALUES (old.doc);
        END;
        CREATE TRIGGER IF NOT EXISTS documents_log_au AFTER UPDATE OF doc, title, text ON documents
            WHEN old.doc IS NOT new.doc OR old.title IS NOT new.title OR old.text IS NOT new.text BEGIN
            INSERT INTO document_log(doc) VALUES (old.doc);
            INSERT INTO document_log(doc) VALUES (new.doc);
        END;
        CREATE TRIGGER IF NOT EXISTS document_log_prune AFTER INSERT ON document_log WHEN new.seq % {PruneEvery} = 0 BEGIN
            DELETE FROM document_log WHERE seq <= new.seq - {KeptEntries};
        END;
        """;

    /// <summary>Creates the log and its triggers if missing (additive: older indexes upgrade in place).</summary>
    public static void EnsureCreated(SqliteConnection conn, SqliteTransaction tx) => IndexDatabase.Execute(conn, CreateSql, tx);

    /// <summary>The newest sequence number written, 0 if none, or null when this index has no log yet.</summary>
    public static long? LastSequence(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'document_log'";
        if ((long)cmd.ExecuteScalar()! == 0) return null;
        cmd.CommandText = "SELECT MAX(seq) FROM document_log";
        return cmd.ExecuteScalar() as long? ?? 0;
    }

    /// <summary>
    /// The distinct documents changed after <paramref name="since"/> up to <paramref name="upTo"/>,
    /// or null when part of that range has been pruned (the caller must reload everything).
    /// </summary>
    public static List<long>? ChangedSince(SqliteConnection conn, long since, long upTo) =>
        ChangeLogRange.ChangedSince(conn, "document_log", since, upTo);
}
