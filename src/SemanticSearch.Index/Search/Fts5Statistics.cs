using System.Text;
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
    /// Calls <paramref name="visit"/>(term, rowid, counts per column) once per (term, row) of the
    /// FTS5 index, from fts5vocab 'instance' rows, which come ordered by term, then rowid. Reads
    /// through SQLite's C API: at ~5M instances per 100k passages, a managed string per row was most
    /// of the cost. The vocab table is a temp table of this connection (created once; the connection
    /// is query_only, so that switch is lifted just for the CREATE, which writes only the temp schema).
    /// </summary>
    public static void ReadInstances(SqliteConnection conn, IReadOnlyList<string> columns, Action<string, long, int[]> visit)
    {
        EnsureInstanceTable(conn);
        var columnNames = columns.Select(Encoding.UTF8.GetBytes).ToArray();
        var db = conn.Handle ?? throw new InvalidOperationException("the index connection is not open");
        int rc = raw.sqlite3_prepare_v2(db, "SELECT term, doc, col FROM temp.fts_instances", out sqlite3_stmt stmt);
        if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"reading FTS5 token instances failed: {raw.sqlite3_errmsg(db).utf8_to_string()}");
        try
        {
            var termBytes = new byte[256];
            int termLength = -1;
            string term = "";
            long doc = long.MinValue;
            int[]? perColumn = null;
            var seenTerms = new HashSet<string>(StringComparer.Ordinal);
            while ((rc = raw.sqlite3_step(stmt)) == raw.SQLITE_ROW)
            {
                var t = raw.sqlite3_column_blob(stmt, 0);
                long d = raw.sqlite3_column_int64(stmt, 1);
                var col = raw.sqlite3_column_blob(stmt, 2);
                bool newTerm = termLength != t.Length || !t.SequenceEqual(termBytes.AsSpan(0, termLength));
                if (newTerm || d != doc)
                {
                    if (perColumn is not null) visit(term, doc, perColumn);
                    if (newTerm)
                    {
                        if (t.Length > termBytes.Length) termBytes = new byte[t.Length * 2];
                        t.CopyTo(termBytes);
                        termLength = t.Length;
                        term = Encoding.UTF8.GetString(t);
                        if (!seenTerms.Add(term)) throw new InvalidDataException($"fts5vocab returned term '{term}' in two separate runs; expected term order");
                    }
                    else if (d < doc) throw new InvalidDataException($"fts5vocab returned rows of term '{term}' out of rowid order ({d} after {doc})");
                    doc = d;
                    perColumn = new int[columns.Count];
                }
                perColumn![ColumnIndex(col, columnNames)]++;
            }
            if (rc != raw.SQLITE_DONE) throw new InvalidOperationException($"reading FTS5 token instances failed: {raw.sqlite3_errmsg(db).utf8_to_string()}");
            if (perColumn is not null) visit(term, doc, perColumn);
        }
        finally
        {
            raw.sqlite3_finalize(stmt);
        }
    }

    private static int ColumnIndex(ReadOnlySpan<byte> name, byte[][] columnNames)
    {
        for (int c = 0; c < columnNames.Length; c++) if (name.SequenceEqual(columnNames[c])) return c;
        throw new InvalidDataException($"fts5vocab returned unknown column '{Encoding.UTF8.GetString(name)}'");
    }

    private static void EnsureInstanceTable(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM temp.sqlite_master WHERE name = 'fts_instances'";
        if ((long)cmd.ExecuteScalar()! > 0) return;
        IndexDatabase.Execute(conn, "PRAGMA query_only=0");
        try { IndexDatabase.Execute(conn, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instances USING fts5vocab(main, fts, instance)"); }
        finally { IndexDatabase.Execute(conn, "PRAGMA query_only=1"); }
    }
}
