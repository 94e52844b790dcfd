using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>Key/value settings of an index: schema version, write generation, bound model.</summary>
internal static class MetaTable
{
    public static string? Get(SqliteConnection conn, string key, SqliteTransaction? tx = null)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    public static void Set(SqliteConnection conn, string key, string value, SqliteTransaction? tx)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Every committed write bumps the generation, so an in-memory vector matrix can tell cheaply
    /// whether it is still in step with the database.
    /// </summary>
    public static long Generation(SqliteConnection conn, SqliteTransaction? tx = null) => long.Parse(Get(conn, "generation", tx) ?? "0");

    public static void BumpGeneration(SqliteConnection conn, SqliteTransaction tx)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'";
        cmd.ExecuteNonQuery();
    }
}
