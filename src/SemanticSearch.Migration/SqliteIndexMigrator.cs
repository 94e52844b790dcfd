using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Migration;

/// <summary>What one migration did.</summary>
public sealed record MigrationReport(long Documents, long Windows, long PredictedTagged, int VerifiedSamples, string Backup);

/// <summary>
/// Converts an index written by the SQLite store (schema 1: documents, vectors, predicted_tags,
/// doc_taggings, meta) into a Lucene index. The new index is built in a folder beside the old one
/// (DIR.migrating), with the documents' own hashes, tags, metadata, predicted tags and their head,
/// window vectors (bytes as stored) and model binding; it is verified (document count, every
/// document's vectors of a sample bit-identical) and only then swapped in: DIR moves to
/// DIR.sqlite-backup-TIME and the new index takes its name. Interrupted before the swap, the old index
/// is untouched and a re-run starts over.
/// </summary>
public static class SqliteIndexMigrator
{
    public const string LegacyFile = "index.db";
    private const int Batch = 2000, Samples = 64;

    public static MigrationReport Migrate(string directory, Action<long, long>? progress = null)
    {
        string db = Path.Combine(directory, LegacyFile);
        if (!File.Exists(db)) throw new FileNotFoundException($"'{directory}' holds no SQLite index ({LegacyFile}); nothing to migrate");
        if (IndexFiles.IsIndex(directory)) throw new InvalidOperationException($"'{directory}' already holds a Lucene index; nothing to migrate");
        string full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        string staging = full + ".migrating";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); // an interrupted run's leftovers
        SQLitePCL.Batteries_V2.Init();
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        conn.Open();
        var meta = Meta(conn);
        if (meta.GetValueOrDefault("schema_version") != "1")
            throw new InvalidDataException($"'{db}' has schema version {meta.GetValueOrDefault("schema_version") ?? "(none)"}; this migration reads version 1");
        if (meta.Keys.Any(k => k.StartsWith(ModelBinding.PendingPrefix, StringComparison.Ordinal)))
            throw new InvalidOperationException($"'{directory}' has an unfinished model activation; finish or abandon it with the version that started it, then migrate");
        var model = ModelBinding.Read(meta);
        var head = TaggingHead.Read(meta);
        bool predictedTables = Scalar(conn, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('predicted_tags', 'doc_taggings')") == 2;
        long total = Scalar(conn, "SELECT COUNT(*) FROM documents");

        long documents = 0, windows = 0, tagged = 0;
        var store = IndexStore.Acquire(staging, exclusive: true, create: true, new IndexSettings());
        try
        {
            store.Commit(scope =>
            {
                model?.Write(scope.Data);
                head?.Write(scope.Data);
                if (meta.GetValueOrDefault("created_utc") is { } created) scope.Data[CommitKeys.CreatedUtc] = created;
                return 0;
            });
            long after = long.MinValue;
            while (true)
            {
                var rows = ReadBatch(conn, after, predictedTables);
                if (rows.Count == 0) break;
                store.Commit(scope =>
                {
                    foreach (var (_, record) in rows) scope.Put(record);
                    scope.Changed = true;
                    return 0;
                });
                after = rows[^1].Doc;
                documents += rows.Count;
                windows += model is null ? 0 : rows.Sum(r => r.Record.VectorsA.Length / (model.Identity.Dimension * sizeof(float)));
                tagged += rows.Count(r => r.Record.TagHead is not null);
                progress?.Invoke(documents, total);
            }
        }
        finally { store.Release(exclusive: true); }

        int verified = Verify(conn, staging, documents, total);
        string backup = $"{full}.sqlite-backup-{DateTime.UtcNow:yyyyMMddHHmmss}";
        Directory.Move(full, backup);
        Directory.Move(staging, full);
        return new MigrationReport(documents, windows, tagged, verified, backup);
    }

    private static List<(long Doc, StoredRecord Record)> ReadBatch(SqliteConnection conn, long after, bool predictedTables)
    {
        var rows = new List<(long, StoredRecord)>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT doc, id, title, text, tags, metadata, content_hash, record_hash FROM documents WHERE doc > $after ORDER BY doc LIMIT $n";
            cmd.Parameters.AddWithValue("$after", after);
            cmd.Parameters.AddWithValue("$n", Batch);
            using var r = cmd.ExecuteReader();
            while (r.Read())
                rows.Add((r.GetInt64(0), new StoredRecord
                {
                    Id = r.GetString(1), Title = r.GetString(2), Text = r.GetString(3),
                    Tags = JsonSerializer.Deserialize<string[]>(r.GetString(4)) ?? [],
                    Metadata = r.IsDBNull(5) ? null : r.GetString(5),
                    ContentHash = (byte[])r[6], RecordHash = (byte[])r[7],
                }));
        }
        if (rows.Count == 0) return rows;
        foreach (var (_, rec) in rows)
            if (rec.ContentHash.Length != 32 || rec.RecordHash.Length != 32)
                throw new InvalidDataException($"document '{rec.Id}' in the SQLite index has hashes of {rec.ContentHash.Length} and {rec.RecordHash.Length} bytes, expected 32 (nothing was swapped)");
        var byDoc = rows.ToDictionary(x => x.Item1, x => x.Item2);
        string range = $"doc BETWEEN {rows[0].Item1} AND {rows[^1].Item1}";
        var blobs = new Dictionary<long, MemoryStream>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = $"SELECT doc, vector FROM vectors WHERE {range} ORDER BY doc, window_no";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                long doc = r.GetInt64(0);
                if (!blobs.TryGetValue(doc, out var ms)) blobs[doc] = ms = new MemoryStream();
                ms.Write((byte[])r[1]);
            }
        }
        foreach (var (doc, ms) in blobs) if (byDoc.TryGetValue(doc, out var rec)) rec.VectorsA = ms.ToArray();
        if (!predictedTables) return rows;
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = $"SELECT doc, head FROM doc_taggings WHERE {range}";
            using var r = cmd.ExecuteReader();
            while (r.Read()) if (byDoc.TryGetValue(r.GetInt64(0), out var rec)) rec.TagHead = r.GetString(1);
        }
        var predicted = new Dictionary<long, List<PredictedTag>>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = $"SELECT doc, tag, confidence FROM predicted_tags WHERE {range}";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                long doc = r.GetInt64(0);
                if (!predicted.TryGetValue(doc, out var list)) predicted[doc] = list = new List<PredictedTag>();
                list.Add(new PredictedTag(r.GetString(1), r.GetDouble(2)));
            }
        }
        foreach (var (doc, list) in predicted) if (byDoc.TryGetValue(doc, out var rec) && rec.TagHead is not null) rec.Predicted = list;
        return rows;
    }

    /// <summary>Document count, and for a sample of documents spread over the index, ids and vector bytes equal to the old index's.</summary>
    private static int Verify(SqliteConnection conn, string staging, long written, long total)
    {
        using var dir = Lucene.Net.Store.FSDirectory.Open(staging);
        using var reader = Lucene.Net.Index.DirectoryReader.Open(dir);
        if (reader.NumDocs != total || written != total)
            throw new InvalidDataException($"migration check failed: the old index has {total} documents, the new one {reader.NumDocs} (nothing was swapped; '{staging}' is left for inspection)");
        int checkedCount = 0;
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT d.id, (SELECT group_concat(hex(v.vector), '') FROM (SELECT vector FROM vectors WHERE doc = d.doc ORDER BY window_no) v) " +
                          "FROM documents d WHERE d.doc % $step = 0 LIMIT $n";
        cmd.Parameters.AddWithValue("$step", Math.Max(1, total / Samples));
        cmd.Parameters.AddWithValue("$n", Samples);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            string id = r.GetString(0);
            string expected = r.IsDBNull(1) ? "" : r.GetString(1);
            var found = DocLookup.Find(reader, id) ?? throw new InvalidDataException($"migration check failed: document '{id}' is missing from the new index (nothing was swapped)");
            string actual = Convert.ToHexString(StoredRecord.Read(found.Leaf, found.Doc).VectorsA);
            if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"migration check failed: the vectors of document '{id}' differ (nothing was swapped)");
            checkedCount++;
        }
        return checkedCount;
    }

    private static Dictionary<string, string> Meta(SqliteConnection conn)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT key, value FROM meta";
        using var r = cmd.ExecuteReader();
        while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
        return meta;
    }

    private static long Scalar(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
