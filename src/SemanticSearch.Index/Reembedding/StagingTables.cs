using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Reembedding;

/// <summary>
/// The tables a re-embedding writes while the index keeps serving its current vectors:
/// `vectors_next` (same columns as `vectors`, made from its stored DDL so the two never drift apart)
/// and `vectors_next_docs` (doc → the content hash that was embedded, so a document changed after it
/// was staged is found and embedded again). Both exist only while a re-embedding is pending.
/// </summary>
internal static partial class StagingTables
{
    public const string Vectors = "vectors_next";
    public const string Documents = "vectors_next_docs";
    public const string CursorKey = "reembed_cursor";

    public static void Create(SqliteConnection conn, SqliteTransaction tx)
    {
        string vectorsDdl = Scalar(conn, tx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'vectors'")
            ?? throw new InvalidDataException("the index has no vectors table");
        string stagingDdl = TableName().Replace(vectorsDdl, "CREATE TABLE IF NOT EXISTS " + Vectors, 1);
        IndexDatabase.Execute(conn, stagingDdl, tx);
        IndexDatabase.Execute(conn, $"CREATE TABLE IF NOT EXISTS {Documents}(doc INTEGER PRIMARY KEY, content_hash BLOB NOT NULL)", tx);
    }

    public static void Drop(SqliteConnection conn, SqliteTransaction tx)
    {
        IndexDatabase.Execute(conn, $"DROP TABLE IF EXISTS {Vectors}", tx);
        IndexDatabase.Execute(conn, $"DROP TABLE IF EXISTS {Documents}", tx);
    }

    /// <summary>
    /// Makes the staged vectors the index's vectors, inside the caller's transaction. Triggers that
    /// mention `vectors` (documents_ad deletes a document's vectors) would make SQLite refuse the rename
    /// while no `vectors` table exists, so every trigger is dropped and re-created from its stored SQL
    /// around the swap; indexes on `vectors` are re-created on the new table the same way.
    /// </summary>
    public static void SwapIntoPlace(SqliteConnection conn, SqliteTransaction tx)
    {
        var triggers = Rows(conn, tx, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL");
        var indexes = Rows(conn, tx, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'vectors' AND sql IS NOT NULL");
        foreach (var (name, _) in triggers) IndexDatabase.Execute(conn, $"DROP TRIGGER \"{name}\"", tx);
        IndexDatabase.Execute(conn, "DROP TABLE vectors", tx);
        IndexDatabase.Execute(conn, $"ALTER TABLE {Vectors} RENAME TO vectors", tx);
        foreach (var (_, sql) in indexes) IndexDatabase.Execute(conn, sql, tx);
        foreach (var (_, sql) in triggers) IndexDatabase.Execute(conn, sql, tx);
        IndexDatabase.Execute(conn, $"DROP TABLE {Documents}", tx);
        InvalidateVectorLog(conn, tx);
    }

    /// <summary>
    /// Every vector changed, but the rename fired no trigger: readers that follow the vector change
    /// log (vector_log, if this index has one) must reload everything. One logged-and-removed entry
    /// moves the log's sequence past a range with no rows, which such readers treat as "pruned,
    /// reload all".
    /// </summary>
    private static void InvalidateVectorLog(SqliteConnection conn, SqliteTransaction tx)
    {
        if (Scalar(conn, tx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'vector_log'") is null) return;
        IndexDatabase.Execute(conn, "INSERT INTO vector_log(doc) VALUES (-1)", tx);
        IndexDatabase.Execute(conn, "DELETE FROM vector_log", tx);
    }

    public static bool Exist(SqliteConnection conn, SqliteTransaction? tx) =>
        Scalar(conn, tx, $"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{Documents}'") is not null
        && Scalar(conn, tx, $"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{Vectors}'") is not null;

    [GeneratedRegex("""^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?("vectors"|vectors|`vectors`|\[vectors\])""", RegexOptions.IgnoreCase)]
    private static partial Regex TableName();

    private static string? Scalar(SqliteConnection conn, SqliteTransaction? tx, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd.ExecuteScalar() as string;
    }

    private static List<(string Name, string Sql)> Rows(SqliteConnection conn, SqliteTransaction tx, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<(string, string)>();
        while (r.Read()) rows.Add((r.GetString(0), r.GetString(1)));
        return rows;
    }
}
