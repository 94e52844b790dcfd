using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;
using SQLitePCL;

namespace SemanticSearch.Index.Search;

/// <summary>
/// Reads what FTS5's bm25() reads, from FTS5's own tables of the index's "fts" table: the token
/// instances (through an fts5vocab 'instance' table), each row's token count per column (fts_docsize,
/// one varint per column) and the row count and per-column token totals (the averages record, rowid 1
/// of fts_data: varint N, then one varint per column). Varints are SQLite's (7 bits a byte, big-endian,
/// a ninth byte carries 8 bits).
/// </summary>
internal static class Fts5Statistics
{
    private const long AveragesRowId = 1;

    /// <summary>(rowid, tokens over all columns) of every row, in rowid order.</summary>
    public static List<(long Doc, int Tokens)> ReadDocSizes(SqliteConnection conn, int columns)
    {
        var sizes = new List<(long, int)>();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT id, sz FROM fts_docsize ORDER BY id";
        using var r = cmd.ExecuteReader();
        while (r.Read()) sizes.Add((r.GetInt64(0), DocumentTokens((byte[])r[1], columns)));
        return sizes;
    }

    /// <summary>The sum of the per-column token counts in a docsize blob (at most <paramref name="columns"/> of them).</summary>
    public static int DocumentTokens(byte[] blob, int columns)
    {
        long total = 0;
        int i = 0;
        for (int c = 0; c < columns && i < blob.Length; c++) total += (long)Varint(blob, ref i);
        return checked((int)total);
    }

    /// <summary>FTS5's row count and total tokens over all columns (0, 0 for an empty table).</summary>
    public static (long Rows, long Tokens) ReadAverages(SqliteConnection conn, int columns)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT block FROM fts_data WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", AveragesRowId);
        if (cmd.ExecuteScalar() is not byte[] blob || blob.Length == 0) return (0, 0);
        int i = 0;
        long rows = (long)Varint(blob, ref i), tokens = 0;
        for (int c = 0; c < columns && i < blob.Length; c++) tokens += (long)Varint(blob, ref i);
        return (rows, tokens);
    }

    private static ulong Varint(ReadOnlySpan<byte> p, ref int i)
    {
        ulong v = 0;
        for (int n = 0; n < 8; n++)
        {
            byte b = p[i++];
            v = (v << 7) | (uint)(b & 0x7f);
            if ((b & 0x80) == 0) return v;
        }
        return (v << 8) | p[i++];
    }

    /// <summary>
    /// Calls <paramref name="startTerm"/> for each term of the FTS5 index, then <paramref name="visit"/>
    /// (rowid, counts per column; the array is reused) once per row holding it. The terms with their
    /// row and instance counts come from an fts5vocab 'row' table, the instances (rowid, column) from an
    /// fts5vocab 'instance' table without its term column: both walk the index in the same term order,
    /// so each term owns the next "instances" rows; the row count per term is checked to catch any
    /// misalignment. Fetching the term text for each of ~7M instances (100k passages) was most of the
    /// cost, and so was a managed call per column value, hence SQLite's C API here. The vocab tables are
    /// temp tables of this connection (created once; the connection is query_only, so that switch is
    /// lifted just for the CREATE, which writes only the temp schema).
    /// </summary>
    // Runs once per load over millions of rows: compiled optimized at once rather than starting in tier 0
    // (on a loaded machine the background tier-1 compile came late and most of the load ran unoptimized).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void ReadInstances(SqliteConnection conn, IReadOnlyList<string> columns, Action<string> startTerm, Action<long, int[]> visit)
    {
        EnsureVocabTables(conn);
        var terms = new List<(string Term, long Rows, long Instances)>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT term, doc, cnt FROM temp.fts_rows";
            using var r = cmd.ExecuteReader();
            while (r.Read()) terms.Add((r.GetString(0), r.GetInt64(1), r.GetInt64(2)));
        }
        var db = conn.Handle ?? throw new InvalidOperationException("the index connection is not open");
        string columnIndex = "CASE col " + string.Join(" ", columns.Select((c, i) => $"WHEN '{c.Replace("'", "''")}' THEN {i}")) + " ELSE -1 END";
        int rc = raw.sqlite3_prepare_v2(db, $"SELECT doc, {columnIndex} FROM temp.fts_instances", out sqlite3_stmt stmt);
        if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"reading FTS5 token instances failed: {raw.sqlite3_errmsg(db).utf8_to_string()}");
        try
        {
            var perColumn = new int[columns.Count];
            foreach (var (term, rows, instances) in terms)
            {
                startTerm(term);
                long doc = long.MinValue, seenRows = 0;
                for (long i = 0; i < instances; i++)
                {
                    if ((rc = raw.sqlite3_step(stmt)) != raw.SQLITE_ROW) throw Misaligned(db, rc, term);
                    long d = raw.sqlite3_column_int64(stmt, 0);
                    int c = raw.sqlite3_column_int(stmt, 1);
                    if (c < 0) throw new InvalidDataException($"fts5vocab returned an instance in a column the table does not have (term '{term}')");
                    if (d != doc)
                    {
                        if (d < doc) throw new InvalidDataException($"fts5vocab returned rows of term '{term}' out of rowid order ({d} after {doc})");
                        if (seenRows++ > 0) visit(doc, perColumn);
                        doc = d;
                        Array.Clear(perColumn);
                    }
                    perColumn[c]++;
                }
                if (seenRows > 0) visit(doc, perColumn);
                if (seenRows != rows) throw new InvalidDataException($"FTS5 term '{term}' is in {rows} rows by its vocabulary but {seenRows} by its instances");
            }
            if ((rc = raw.sqlite3_step(stmt)) != raw.SQLITE_DONE) throw Misaligned(db, rc, "(after the last term)");
        }
        finally
        {
            raw.sqlite3_finalize(stmt);
        }
    }

    private static Exception Misaligned(sqlite3 db, int rc, string term) => rc is raw.SQLITE_ROW or raw.SQLITE_DONE
        ? new InvalidDataException($"FTS5's instance and row vocabularies disagree at term '{term}'")
        : new InvalidOperationException($"reading FTS5 token instances failed: {raw.sqlite3_errmsg(db).utf8_to_string()}");

    private static void EnsureVocabTables(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM temp.sqlite_master WHERE name IN ('fts_instances', 'fts_rows')";
        if ((long)cmd.ExecuteScalar()! == 2) return;
        IndexDatabase.Execute(conn, "PRAGMA query_only=0");
        try
        {
            IndexDatabase.Execute(conn, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instances USING fts5vocab(main, fts, instance);" +
                                        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_rows USING fts5vocab(main, fts, row);");
        }
        finally { IndexDatabase.Execute(conn, "PRAGMA query_only=1"); }
    }
}
