using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// Opens the one SQLite database that holds an index. Writers get WAL + synchronous=FULL so a
/// transaction that has returned from COMMIT survives power loss and kill -9; readers use the same
/// file concurrently thanks to WAL (they see the last committed state, never a half-written batch).
/// </summary>
public static class IndexDatabase
{
    public const string FileName = "index.db";
    private static readonly Lazy<bool> SqliteInit = new(() => { SQLitePCL.Batteries_V2.Init(); return true; }, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>
    /// The e_sqlite3 bundle must be wired into SQLitePCL exactly once per process, and no thread may
    /// open a connection before that has finished (a flag set before Init returns would race).
    /// </summary>
    public static void EnsureSqliteInitialized() => _ = SqliteInit.Value;

    /// <summary>Opens (creating if needed) the database for writing and brings the schema up to date.</summary>
    public static SqliteConnection OpenForWrite(string directory)
    {
        Directory.CreateDirectory(directory);
        var conn = Open(directory, SqliteOpenMode.ReadWriteCreate);
        Execute(conn, "PRAGMA journal_mode=WAL;");
        Execute(conn, "PRAGMA synchronous=FULL;");
        // FTS5 segment writes and merges re-read the same pages many times per batch; a 64 MiB page
        // cache (default is 2 MiB) keeps them in memory during bulk ingest.
        Execute(conn, "PRAGMA cache_size=-65536;");
        IndexSchema.EnsureCreated(conn);
        return conn;
    }

    /// <summary>Opens an existing index for reading; a missing index is an error, never silently created.</summary>
    public static SqliteConnection OpenForRead(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"index directory '{directory}' does not exist");
        if (!File.Exists(PathIn(directory))) throw new FileNotFoundException($"'{directory}' is not an index (no {FileName})");
        // ReadWrite (not ReadOnly) because a WAL reader may need to create the -shm file;
        // query_only guarantees this connection never changes anything.
        var conn = Open(directory, SqliteOpenMode.ReadWrite);
        Execute(conn, "PRAGMA query_only=1;");
        int version = IndexSchema.ReadVersion(conn);
        if (version != IndexSchema.Version)
            throw new InvalidDataException($"index '{directory}' has schema version {version}, this build reads version {IndexSchema.Version}");
        return conn;
    }

    private static SqliteConnection Open(string directory, SqliteOpenMode mode)
    {
        EnsureSqliteInitialized();
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = PathIn(directory),
            Mode = mode,
            Pooling = false, // a pooled handle would keep the file open after Dispose (and the lock with it)
            DefaultTimeout = 30,
        }.ToString();
        var conn = new SqliteConnection(cs);
        conn.Open();
        Execute(conn, "PRAGMA busy_timeout=10000;");
        return conn;
    }

    public static void Execute(SqliteConnection conn, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// A statement made once for a whole write transaction and reused for every row, with its named
    /// parameters declared up front (the caller sets their values per row).
    /// </summary>
    internal static SqliteCommand Prepare(SqliteConnection conn, SqliteTransaction tx, string sql, params string[] parameters)
    {
        var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
        return cmd;
    }
}
