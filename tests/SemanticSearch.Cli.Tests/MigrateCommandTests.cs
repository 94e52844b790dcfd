using Microsoft.Data.Sqlite;

namespace SemanticSearch.Cli.Tests;

/// <summary>`semsearch migrate`: an index of the SQLite store (schema 1, written here table by table) becomes a Lucene index with the same content.</summary>
public sealed class MigrateCommandTests : IDisposable
{
    private readonly IndexCliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static byte[] Vector(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>The old store's tables, as its schema 1 created them (trimmed to what the migration reads).</summary>
    private static void WriteLegacyIndex(string dir, bool pendingActivation = false)
    {
        Directory.CreateDirectory(dir);
        SQLitePCL.Batteries_V2.Init();
        using var conn = new SqliteConnection($"Data Source={Path.Combine(dir, "index.db")};Pooling=false");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE documents(doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, text TEXT NOT NULL,
                tags TEXT NOT NULL, metadata TEXT, content_hash BLOB NOT NULL, record_hash BLOB NOT NULL);
            CREATE TABLE vectors(doc INTEGER NOT NULL, window_no INTEGER NOT NULL, token_start INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY(doc, window_no));
            CREATE TABLE predicted_tags(tag TEXT NOT NULL, doc INTEGER NOT NULL, confidence REAL NOT NULL, PRIMARY KEY(tag, doc)) WITHOUT ROWID;
            CREATE TABLE doc_taggings(doc INTEGER PRIMARY KEY, head TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema_version', '1'), ('generation', '7'), ('created_utc', '2026-01-01T00:00:00.0000000Z'),
                ('model_fingerprint', 'fp-test'), ('model_dimension', '2'), ('model_max_seq_length', '16'), ('model_normalizes', 'false'),
                ('tagging_head_fingerprint', 'headfingerprint0123456789'), ('tagging_head_id', 'headfingerprint0'), ('tagging_head_path', ''),
                ('tagging_head_description', 'softmax'), ('tagging_head_labels', '2'), ('tagging_head_encoder', 'fp-test');
            INSERT INTO documents VALUES (1, 'a', 'Lost card', 'I lost my card', '["cards"]', '{"k":1}', zeroblob(32), randomblob(32)),
                                         (2, 'b', '', 'exchange rate for travel', '[]', NULL, randomblob(32), randomblob(32)),
                                         (3, 'c', 'Long', 'a long text in two windows', '["cards","long"]', NULL, randomblob(32), randomblob(32));
            INSERT INTO doc_taggings VALUES (1, 'headfingerprint0'), (2, 'headfingerprint0');
            INSERT INTO predicted_tags VALUES ('lost_card', 1, 0.875);
            """;
        cmd.ExecuteNonQuery();
        void AddVector(long doc, int window, byte[] v)
        {
            using var insert = conn.CreateCommand();
            insert.CommandText = "INSERT INTO vectors VALUES ($d, $w, 0, $v)";
            insert.Parameters.AddWithValue("$d", doc);
            insert.Parameters.AddWithValue("$w", window);
            insert.Parameters.AddWithValue("$v", v);
            insert.ExecuteNonQuery();
        }
        AddVector(1, 0, Vector(1, 0));
        AddVector(2, 0, Vector(0, 1));
        AddVector(3, 0, Vector(0.6f, 0.8f));
        AddVector(3, 1, Vector(0.8f, 0.6f));
        if (pendingActivation)
        {
            using var pending = conn.CreateCommand();
            pending.CommandText = "INSERT INTO meta VALUES ('pending_model_fingerprint', 'fp-next')";
            pending.ExecuteNonQuery();
        }
    }

    [Fact]
    public void An_old_index_is_refused_with_the_command_then_migrated_verified_and_swapped()
    {
        string idx = _h.PathOf("old");
        WriteLegacyIndex(idx);
        var refused = IndexCliHarness.Run("search", "--index", idx, "--query", "card");
        Assert.Equal(1, refused.Code);
        Assert.Contains($"semsearch migrate --index {idx}", refused.Err);

        var r = IndexCliHarness.Run("migrate", "--index", idx);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("3 documents, 4 windows, 2 with predicted tags", r.Out);
        Assert.Contains("verified bit-identical", r.Out);
        string backup = Assert.Single(Directory.GetDirectories(_h.Dir, "old.sqlite-backup-*"));
        Assert.True(File.Exists(Path.Combine(backup, "index.db")));
        Assert.False(Directory.Exists(idx + ".migrating"));

        var records = IndexProbe.Records(idx).ToDictionary(x => x.Id);
        Assert.Equal(new[] { "a", "b", "c" }, records.Keys.Order());
        Assert.Equal(Vector(0.6f, 0.8f).Concat(Vector(0.8f, 0.6f)), IndexProbe.LiveVectors(idx, records["c"]));
        Assert.Equal(new byte[32], records["a"].ContentHash); // the old hashes carried over: an unchanged re-ingest stays unchanged
        Assert.Equal(("Lost card", "{\"k\":1}", "headfingerprint0"), (records["a"].Title, records["a"].Metadata, records["a"].TagHead));
        Assert.Equal(0.875, Assert.Single(records["a"].Predicted).Confidence);
        Assert.Equal(new[] { "cards", "long" }, records["c"].Tags);
        Assert.Equal("fp-test", IndexProbe.CommitData(idx)["model_fingerprint"]);
        var stats = IndexCliHarness.Run("stats", "--index", idx);
        Assert.Contains("vectors       4", stats.Out);
        Assert.Contains("head headfingerprint0", stats.Out);
        var search = IndexCliHarness.Run("search", "--index", idx, "--mode", "keyword", "--query", "windows card", "--tag", "long");
        Assert.True(search.Code == 0, search.Err);
        Assert.Contains(" c ", search.Out);
        Assert.Equal(1, IndexCliHarness.Run("migrate", "--index", idx).Code); // already a Lucene index
    }

    [Fact]
    public void An_unfinished_activation_is_refused_and_the_old_index_stays_untouched()
    {
        string idx = _h.PathOf("old");
        WriteLegacyIndex(idx, pendingActivation: true);
        var before = File.ReadAllBytes(Path.Combine(idx, "index.db"));
        var r = IndexCliHarness.Run("migrate", "--index", idx);
        Assert.Equal(1, r.Code);
        Assert.Contains("unfinished model activation", r.Err);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(idx, "index.db")));
        Assert.Empty(Directory.GetDirectories(_h.Dir, "old.sqlite-backup-*"));
        Assert.False(Directory.Exists(idx + ".migrating"));
    }
}
