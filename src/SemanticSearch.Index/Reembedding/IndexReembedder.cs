using System.Globalization;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Reembedding;

/// <summary>How far a re-embedding has got: documents whose current content has staged vectors, of all documents.</summary>
public readonly record struct ReembedProgress(long DocumentsDone, long DocumentsTotal);

/// <summary>Another model is already being staged; finish or abandon that re-embedding first.</summary>
public sealed class ReembedConflictException(string message) : InvalidOperationException(message);

/// <summary>
/// Re-embeds an index with a new model while the index keeps serving its current vectors, then
/// switches over in one transaction.
///
/// The pending model is recorded in the meta table (`pending_model_*`) and the new vectors go to
/// staging tables (<see cref="StagingTables"/>) in committed batches, in document order, with a
/// cursor (`reembed_cursor`) committed in the same transaction as each batch; so a crashed or
/// stopped re-embedding resumes at the first document it had not committed. Documents upserted or
/// deleted meanwhile need no hook in the writer: each staged document remembers the content hash it
/// was embedded from, and <see cref="CatchUp"/> / <see cref="Complete"/> embed again every document
/// whose hash moved (or that is new) and drop staged vectors of deleted documents. The final
/// reconciliation and the swap run in one IMMEDIATE transaction, so no write can slip in between.
///
/// Opens its own connection without the writer lock: the caller is the index's single writer (the
/// served index holds the lock and runs this beside its <see cref="IndexWriter"/>). Staging writes
/// do not move the generation, so searchers keep their current vector matrix.
/// </summary>
public sealed class IndexReembedder : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly ITextEncoder _encoder;
    private readonly int _encodeBatchSize;

    public string Directory { get; }
    /// <summary>The model the index serves until <see cref="Complete"/> (null: keyword-only index).</summary>
    public ModelBinding? Current { get; }
    /// <summary>The model being staged.</summary>
    public ModelBinding Pending { get; }
    /// <summary>True when this call continued a re-embedding recorded earlier (after a restart).</summary>
    public bool Resumed { get; }

    private IndexReembedder(string directory, SqliteConnection conn, ITextEncoder encoder, ModelBinding? current, ModelBinding pending, bool resumed, int encodeBatchSize)
    {
        Directory = directory; _conn = conn; _encoder = encoder; Current = current; Pending = pending; Resumed = resumed; _encodeBatchSize = encodeBatchSize;
    }

    /// <summary>The model a re-embedding recorded in <paramref name="directory"/> is staging, or null.</summary>
    public static ModelBinding? ReadPending(string directory)
    {
        using var conn = IndexDatabase.OpenForRead(directory);
        return ModelBinding.Read(conn, null, ModelBinding.PendingPrefix);
    }

    /// <summary>
    /// Starts re-embedding with <paramref name="encoder"/>, or resumes the recorded one when it is the
    /// same model. Refuses the model the index already has, and a different model while one is pending
    /// (<see cref="ReembedConflictException"/>).
    /// </summary>
    public static IndexReembedder Open(string directory, ITextEncoder encoder, string? modelPath, int encodeBatchSize = 32)
    {
        var conn = IndexDatabase.OpenForWrite(directory);
        try
        {
            using var tx = conn.BeginTransaction(deferred: false); // it writes: take the write lock up front (waits on busy_timeout)
            var current = ModelBinding.Read(conn, tx);
            var pending = ModelBinding.Read(conn, tx, ModelBinding.PendingPrefix);
            if (pending is not null && pending.Identity != encoder.Identity)
                throw new ReembedConflictException(
                    $"index '{directory}' is already being re-embedded with model [{pending.Identity.Describe()}]{(pending.ModelPath is null ? "" : $" from '{pending.ModelPath}'")}; wait for it or abandon it first");
            if (pending is null && current is not null && current.Identity == encoder.Identity)
                throw new InvalidOperationException($"index '{directory}' already uses model [{encoder.Identity.Describe()}]; nothing to re-embed");
            bool resumed = pending is not null && StagingTables.Exist(conn, tx);
            if (!resumed)
            {
                pending = new ModelBinding(encoder.Identity, modelPath is null ? null : Path.GetFullPath(modelPath));
                StagingTables.Drop(conn, tx); // leftovers of an abandoned run must not count as done
                StagingTables.Create(conn, tx);
                pending.Write(conn, tx, ModelBinding.PendingPrefix);
                MetaTable.Set(conn, StagingTables.CursorKey, "0", tx);
            }
            tx.Commit();
            return new IndexReembedder(directory, conn, encoder, current, pending!, resumed, encodeBatchSize);
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>Documents with up-to-date staged vectors, of all documents (one pass over both tables).</summary>
    public ReembedProgress Progress()
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = $"""
            SELECT (SELECT COUNT(*) FROM {StagingTables.Documents} n JOIN documents d ON d.doc = n.doc AND d.content_hash = n.content_hash),
                   (SELECT COUNT(*) FROM documents)
            """;
        using var r = cmd.ExecuteReader();
        r.Read();
        return new ReembedProgress(r.GetInt64(0), r.GetInt64(1));
    }

    /// <summary>
    /// Embeds up to <paramref name="maxDocuments"/> documents after the cursor and commits them with
    /// the moved cursor. Returns how many; 0 when the cursor has passed the last document.
    /// </summary>
    public int EmbedNextBatch(int maxDocuments = 64)
    {
        if (maxDocuments < 1) throw new ArgumentOutOfRangeException(nameof(maxDocuments), "at least one document per batch");
        long cursor = Cursor();
        var rows = Select("SELECT doc, title, text, content_hash FROM documents WHERE doc > $cursor ORDER BY doc LIMIT $n", cursor, maxDocuments, null);
        if (rows.Count == 0) return 0;
        var windows = Embed(rows); // outside any transaction: embedding is the slow part
        using var tx = _conn.BeginTransaction(deferred: false);
        Stage(rows, windows, tx);
        MetaTable.Set(_conn, StagingTables.CursorKey, rows[^1].Doc.ToString(CultureInfo.InvariantCulture), tx);
        tx.Commit();
        return rows.Count;
    }

    /// <summary>
    /// Embeds again up to <paramref name="maxDocuments"/> documents behind the cursor that changed after
    /// they were staged (or were added behind it). Returns how many; 0 when everything staged is current.
    /// </summary>
    public int CatchUp(int maxDocuments = 64)
    {
        var rows = Select(StaleSql, Cursor(), maxDocuments, null);
        if (rows.Count == 0) return 0;
        var windows = Embed(rows);
        using var tx = _conn.BeginTransaction(deferred: false);
        Stage(rows, windows, tx);
        tx.Commit();
        return rows.Count;
    }

    /// <summary>
    /// Finishes: stages whatever is left, then in one transaction (no other writer can interleave)
    /// embeds the documents that changed since, drops staged vectors of deleted documents, swaps the
    /// tables, binds the new model, clears the pending record and moves the generation. Returns the
    /// new binding. Call <see cref="EmbedNextBatch"/> and <see cref="CatchUp"/> first so that the
    /// transaction has little left to embed.
    /// </summary>
    public ModelBinding Complete()
    {
        while (EmbedNextBatch(256) > 0) { }
        using var tx = _conn.BeginTransaction(deferred: false);
        while (true)
        {
            var rows = Select(StaleSql, long.MaxValue, 256, tx);
            if (rows.Count == 0) break;
            Stage(rows, Embed(rows), tx);
        }
        IndexDatabase.Execute(_conn, $"DELETE FROM {StagingTables.Vectors} WHERE doc NOT IN (SELECT doc FROM documents)", tx);
        StagingTables.SwapIntoPlace(_conn, tx);
        Pending.Write(_conn, tx);
        ModelBinding.Clear(_conn, tx, ModelBinding.PendingPrefix);
        IndexDatabase.Execute(_conn, $"DELETE FROM meta WHERE key = '{StagingTables.CursorKey}'", tx);
        MetaTable.BumpGeneration(_conn, tx);
        tx.Commit();
        return Pending;
    }

    /// <summary>Drops the staged vectors and the pending record; the index keeps its current model.</summary>
    public void Abandon()
    {
        using var tx = _conn.BeginTransaction(deferred: false);
        StagingTables.Drop(_conn, tx);
        ModelBinding.Clear(_conn, tx, ModelBinding.PendingPrefix);
        IndexDatabase.Execute(_conn, $"DELETE FROM meta WHERE key = '{StagingTables.CursorKey}'", tx);
        tx.Commit();
    }

    // Documents at or behind the cursor whose staged content hash is missing or out of date.
    private static readonly string StaleSql = $"""
        SELECT d.doc, d.title, d.text, d.content_hash FROM documents d LEFT JOIN {StagingTables.Documents} n ON n.doc = d.doc
        WHERE d.doc <= $cursor AND (n.doc IS NULL OR n.content_hash <> d.content_hash) ORDER BY d.doc LIMIT $n
        """;

    private sealed record StoredRow(long Doc, string Title, string Text, byte[] ContentHash)
    {
        // Must match SourceDocument.EmbeddingText, or the new vectors would differ from an ingest's.
        public string EmbeddingText => new SourceDocument("-", Title, Text, Array.Empty<string>()).EmbeddingText;
    }

    private long Cursor() => long.Parse(MetaTable.Get(_conn, StagingTables.CursorKey) ?? "0", CultureInfo.InvariantCulture);

    private List<StoredRow> Select(string sql, long cursor, int limit, SqliteTransaction? tx)
    {
        using var cmd = _conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$cursor", cursor);
        cmd.Parameters.AddWithValue("$n", limit);
        using var r = cmd.ExecuteReader();
        var rows = new List<StoredRow>();
        while (r.Read()) rows.Add(new StoredRow(r.GetInt64(0), r.GetString(1), r.GetString(2), (byte[])r[3]));
        return rows;
    }

    /// <summary>Per row, its windows (token start, vector), cut and embedded exactly as the writer does.</summary>
    private List<(int Start, float[] Vector)>[] Embed(List<StoredRow> rows)
    {
        var sequences = new List<int[]>();
        var owners = new List<(int Row, int Start)>();
        for (int i = 0; i < rows.Count; i++)
            foreach (var w in TokenWindowSplitter.Split(_encoder.TokenIds(rows[i].EmbeddingText), _encoder.Identity.MaxSeqLength, _encoder.ClsId, _encoder.SepId))
            {
                sequences.Add(w.Sequence);
                owners.Add((i, w.Start));
            }
        var vectors = sequences.Count == 0 ? Array.Empty<float[]>() : _encoder.EncodeIds(sequences, _encodeBatchSize);
        if (vectors.Length != sequences.Count) throw new InvalidOperationException($"encoder returned {vectors.Length} vectors for {sequences.Count} sequences");
        var perRow = new List<(int, float[])>[rows.Count];
        for (int i = 0; i < rows.Count; i++) perRow[i] = new List<(int, float[])>();
        for (int j = 0; j < vectors.Length; j++)
        {
            if (vectors[j].Length != Pending.Identity.Dimension)
                throw new InvalidOperationException($"encoder returned a vector of dimension {vectors[j].Length}, expected {Pending.Identity.Dimension}");
            perRow[owners[j].Row].Add((owners[j].Start, vectors[j]));
        }
        return perRow;
    }

    private void Stage(List<StoredRow> rows, List<(int Start, float[] Vector)>[] windows, SqliteTransaction tx)
    {
        using var clear = Command(tx, $"DELETE FROM {StagingTables.Vectors} WHERE doc = $doc", "$doc");
        using var insert = Command(tx, $"INSERT INTO {StagingTables.Vectors}(doc, window_no, token_start, vector) VALUES ($doc, $w, $start, $v)", "$doc", "$w", "$start", "$v");
        using var mark = Command(tx, $"INSERT OR REPLACE INTO {StagingTables.Documents}(doc, content_hash) VALUES ($doc, $hash)", "$doc", "$hash");
        for (int i = 0; i < rows.Count; i++)
        {
            clear.Parameters["$doc"].Value = rows[i].Doc;
            clear.ExecuteNonQuery();
            insert.Parameters["$doc"].Value = rows[i].Doc;
            for (int w = 0; w < windows[i].Count; w++)
            {
                insert.Parameters["$w"].Value = w;
                insert.Parameters["$start"].Value = windows[i][w].Start;
                insert.Parameters["$v"].Value = VectorBlob.ToBytes(windows[i][w].Vector);
                insert.ExecuteNonQuery();
            }
            mark.Parameters["$doc"].Value = rows[i].Doc;
            mark.Parameters["$hash"].Value = rows[i].ContentHash;
            mark.ExecuteNonQuery();
        }
    }

    private SqliteCommand Command(SqliteTransaction tx, string sql, params string[] parameters)
    {
        var cmd = _conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
        return cmd;
    }

    public void Dispose() => _conn.Dispose();
}
