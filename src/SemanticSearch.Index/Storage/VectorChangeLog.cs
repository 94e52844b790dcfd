using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// A log of the documents whose vectors changed, written by triggers on the vectors table, so an
/// in-memory vector matrix can catch up with a commit by re-reading only those documents instead
/// of every vector. Sequence numbers come from AUTOINCREMENT (never reused); the log keeps only its
/// newest <see cref="KeptEntries"/> rows, and a reader that finds its position pruned away (or an
/// index created before the log existed) reloads everything instead. Keyword-only indexes write no
/// vectors and therefore no log rows.
/// </summary>
internal static class VectorChangeLog
{
    public const long KeptEntries = 262_144;
    private const long PruneEvery = 4096;

    public static readonly string CreateSql = $"""
        CREATE TABLE IF NOT EXISTS vector_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, doc INTEGER NOT NULL);
        CREATE TRIGGER IF NOT EXISTS vectors_log_ai AFTER INSERT ON vectors BEGIN
            INSERT INTO vector_log(doc) VALUES (new.doc);
        END;
        CREATE TRIGGER IF NOT EXISTS vectors_log_ad AFTER DELETE ON vectors BEGIN
            INSERT INTO vector_log(doc) VALUES (old.doc);
        END;
        CREATE TRIGGER IF NOT EXISTS vectors_log_au AFTER UPDATE ON vectors BEGIN
            INSERT INTO vector_log(doc) VALUES (old.doc);
            INSERT INTO vector_log(doc) VALUES (new.doc);
        END;
        CREATE TRIGGER IF NOT EXISTS vector_log_prune AFTER INSERT ON vector_log WHEN new.seq % {PruneEvery} = 0 BEGIN
            DELETE FROM vector_log WHERE seq <= new.seq - {KeptEntries};
        END;
        """;

    /// <summary>Creates the log and its triggers if missing (additive: older indexes upgrade in place).</summary>
    public static void EnsureCreated(SqliteConnection conn, SqliteTransaction tx) => IndexDatabase.Execute(conn, CreateSql, tx);

    /// <summary>The newest sequence number ever written, 0 if none, or null when this index has no log yet.</summary>
    public static long? LastSequence(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'vector_log'), " +
                          "(SELECT seq FROM sqlite_sequence WHERE name = 'vector_log')";
        try
        {
            using var r = cmd.ExecuteReader();
            r.Read();
            if (r.GetInt64(0) == 0) return null;
            return r.IsDBNull(1) ? 0 : r.GetInt64(1);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1)
        {
            return null; // no sqlite_sequence table: no AUTOINCREMENT table was ever created here
        }
    }

    /// <summary>
    /// The distinct documents changed after <paramref name="since"/> up to <paramref name="upTo"/>,
    /// or null when part of that range has been pruned (the caller must reload everything).
    /// </summary>
    public static List<long>? ChangedSince(SqliteConnection conn, long since, long upTo) =>
        ChangeLogRange.ChangedSince(conn, "vector_log", since, upTo);
}
