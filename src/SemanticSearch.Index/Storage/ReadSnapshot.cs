using Microsoft.Data.Sqlite;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// A read transaction issued as plain SQL: every statement until Dispose sees the same committed
/// state (WAL snapshot). Plain BEGIN rather than BeginTransaction() so the commands running inside it
/// need no transaction object and helpers can be used both inside and outside a snapshot.
/// </summary>
internal sealed class ReadSnapshot : IDisposable
{
    private readonly SqliteConnection _conn;

    public ReadSnapshot(SqliteConnection conn)
    {
        _conn = conn;
        IndexDatabase.Execute(conn, "BEGIN DEFERRED");
    }

    public void Dispose() => IndexDatabase.Execute(_conn, "COMMIT");
}
