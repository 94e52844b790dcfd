using System.Text.Json;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Service.Serving;

/// <summary>A stored document as returned by Get.</summary>
public sealed record StoredDocument(string Id, string Title, string Text, IReadOnlyList<string> Tags, string? MetadataJson);

/// <summary>
/// Reads whole documents by id. The index layer's searcher returns hits (title + snippet), not the
/// stored record, so this reads the `documents` table on its own read-only connection.
/// </summary>
internal sealed class DocumentReader : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly object _gate = new();

    public DocumentReader(string directory) => _conn = IndexDatabase.OpenForRead(directory);

    public StoredDocument? Find(string id)
    {
        lock (_gate)
        {
            using var cmd = _conn.CreateCommand();
            cmd.CommandText = "SELECT id, title, text, tags, metadata FROM documents WHERE id = $id";
            cmd.Parameters.AddWithValue("$id", id);
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return null;
            var tags = JsonSerializer.Deserialize<string[]>(r.GetString(3)) ?? Array.Empty<string>();
            return new StoredDocument(r.GetString(0), r.GetString(1), r.GetString(2), tags, r.IsDBNull(4) ? null : r.GetString(4));
        }
    }

    public void Dispose() => _conn.Dispose();
}
