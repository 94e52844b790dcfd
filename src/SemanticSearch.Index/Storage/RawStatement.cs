using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// A prepared SQLite statement driven through the raw C API on an open connection's handle, for the
/// per-document statements of bulk ingest. Why not a <see cref="SqliteCommand"/>: at ~10 words per
/// document its per-call work (statement enumeration, a parameter collection looked up by name, a
/// data reader per call, UTF-8 conversion of every string in managed code) cost as much CPU as
/// SQLite's own insert. Here a call is a few P/Invokes: text is bound as UTF-16 and converted by
/// SQLite, blobs are read in place. It runs inside whatever transaction the connection has open.
/// Errors throw <see cref="SqliteException"/> with SQLite's message, as the ADO.NET layer would.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public RawStatement(SqliteConnection conn, string sql)
    {
        _db = conn.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
    }

    /// <summary>Binds text to the 1-based parameter <paramref name="index"/>; null binds SQL NULL.</summary>
    public void BindText(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_text16(_stmt, index, value.AsSpan()));

    public void BindBlob(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_stmt, index, value));

    /// <summary>Runs one step: true when a result row is available, false when the statement is done.</summary>
    public bool Step()
    {
        int rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc == raw.SQLITE_DONE) return false;
        raw.sqlite3_reset(_stmt); // leaves the statement reusable; the error is reported from the step's code
        SqliteException.ThrowExceptionForRC(rc, _db);
        return false;
    }

    /// <summary>Makes the statement ready to run again (bindings are kept until re-bound).</summary>
    public void Reset() => raw.sqlite3_reset(_stmt);

    public long ColumnInt64(int index) => raw.sqlite3_column_int64(_stmt, index);

    /// <summary>A blob column of the current row, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> ColumnBlob(int index) => raw.sqlite3_column_blob(_stmt, index);

    /// <summary>The rowid of the connection's most recent successful INSERT.</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _stmt.Dispose();
}
