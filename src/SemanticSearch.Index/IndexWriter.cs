using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Ingest;
using SemanticSearch.Index.Storage;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Index;

/// <summary>What one <see cref="IndexWriter.Upsert"/> call did.</summary>
public readonly record struct UpsertResult(int Added, int Updated, int Unchanged, int WindowsEmbedded);

/// <summary>
/// The only way to change an index. One writer per index at a time (see <see cref="WriterLock"/>).
/// Every public write method is one SQLite transaction: when it returns, the change is durable
/// (WAL, synchronous=FULL); if it throws, nothing of that call is applied.
/// </summary>
public sealed class IndexWriter : IDisposable
{
    private readonly WriterLock _lock;
    private readonly SqliteConnection _conn;
    private readonly ITextEncoder? _encoder;
    private readonly int _encodeBatchSize;
    private readonly DocumentTagger? _tagger;
    private readonly bool _taggerReusesEmbeddings;

    public string Directory { get; }
    /// <summary>The model this index is bound to, or null for a keyword-only index.</summary>
    public ModelBinding? Model { get; }
    /// <summary>The classifier head whose predicted tags the index holds, or null if it has none.</summary>
    public TaggingHead? TaggingHead { get; }

    private IndexWriter(string directory, WriterLock writerLock, SqliteConnection conn, ITextEncoder? encoder, ModelBinding? model, int encodeBatchSize,
                        DocumentTagger? tagger, TaggingHead? taggingHead)
    {
        Directory = directory; _lock = writerLock; _conn = conn; _encoder = encoder; Model = model; _encodeBatchSize = encodeBatchSize;
        _tagger = tagger; TaggingHead = taggingHead;
        _taggerReusesEmbeddings = tagger is not null && tagger.ReusesEmbeddingsOf(model?.Identity);
    }

    /// <summary>
    /// Opens or creates the index in <paramref name="directory"/>. With an encoder, an empty index is
    /// bound to it and an existing one must already be bound to the same model; without one, the
    /// index stays keyword-only. With a <paramref name="tagger"/>, every new or re-texted document is
    /// classified and its predicted tags stored (see <see cref="DocumentTagger"/>).
    /// </summary>
    public static IndexWriter Open(string directory, ITextEncoder? encoder = null, string? modelPath = null, int encodeBatchSize = 32, DocumentTagger? tagger = null)
    {
        var writerLock = WriterLock.Acquire(directory);
        SqliteConnection? conn = null;
        try
        {
            conn = IndexDatabase.OpenForWrite(directory);
            var model = ModelBinding.Read(conn);
            if (encoder is not null)
            {
                if (model is not null) model.EnsureMatches(encoder.Identity, directory);
                else
                {
                    long docs = CountDocuments(conn);
                    if (docs > 0)
                        throw new ModelMismatchException($"index '{directory}' already holds {docs} documents without vectors (keyword-only); a model can only be bound to an empty index");
                    model = new ModelBinding(encoder.Identity, modelPath is null ? null : Path.GetFullPath(modelPath));
                    using var tx = conn.BeginTransaction();
                    model.Write(conn, tx);
                    tx.Commit();
                }
            }
            tagger?.EnsureUsableWith(model?.Identity, directory);
            var taggingHead = tagger is null ? Tagging.TaggingHead.Read(conn) : PredictedTagTables.Adopt(conn, tagger, directory);
            return new IndexWriter(directory, writerLock, conn, encoder, model, encodeBatchSize, tagger, taggingHead);
        }
        catch
        {
            conn?.Dispose();
            writerLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Adds or replaces documents by id in one transaction. Within the batch the last document with a
    /// given id wins. Unchanged documents are skipped; documents whose title and text are unchanged
    /// keep their vectors.
    /// </summary>
    public UpsertResult Upsert(IReadOnlyList<SourceDocument> batch)
    {
        EnsureCanAddDocuments();
        var prepared = new PreparedDocument[batch.Count];
        for (int i = 0; i < batch.Count; i++) prepared[i] = PreparedDocument.Of(batch[i]);
        return Upsert(prepared);
    }

    /// <summary><see cref="Upsert(IReadOnlyList{SourceDocument})"/> of documents already validated and hashed (bulk ingest does that on its read-ahead thread).</summary>
    internal UpsertResult Upsert(IReadOnlyList<PreparedDocument> batch)
    {
        EnsureCanAddDocuments();
        var latest = new Dictionary<string, PreparedDocument>(batch.Count, StringComparer.Ordinal);
        foreach (var d in batch) latest[d.Document.Id] = d;

        var plans = new List<DocumentPlan>(latest.Count);
        int unchanged = 0;
        // One read transaction for all lookups: outside one, each SELECT is its own transaction and
        // takes and drops the WAL read lock (fcntl system calls) — per document.
        using (var lookup = _conn.BeginTransaction(deferred: true))
        using (var find = new RawStatement(_conn, "SELECT doc, content_hash, record_hash FROM documents WHERE id = ?1"))
        {
            foreach (var d in latest.Values)
            {
                find.BindText(1, d.Document.Id);
                try
                {
                    if (!find.Step()) { plans.Add(new DocumentPlan(d, null, Embed: _encoder is not null)); continue; }
                    long doc = find.ColumnInt64(0);
                    if (find.ColumnBlob(2).SequenceEqual(d.RecordHash)) { unchanged++; continue; }
                    bool contentChanged = !find.ColumnBlob(1).SequenceEqual(d.ContentHash);
                    plans.Add(new DocumentPlan(d, doc, Embed: _encoder is not null && contentChanged) { ContentChanged = contentChanged });
                }
                finally { find.Reset(); }
            }
        }

        // Embedding happens before the transaction opens: it is the slow part, and readers should
        // never wait on it.
        var windows = EmbedWindows(plans);
        var predicted = _tagger is null ? null : IngestTagging.Predict(_tagger, _taggerReusesEmbeddings, plans, windows, _encodeBatchSize);
        int added = 0, updated = 0, embedded = 0;
        using var tx = _conn.BeginTransaction();
        using var writeCommands = new DocumentWriteCommands(_conn, tx);
        using var predictedTags = new PredictedTagWriter(_conn, tx);
        for (int i = 0; i < plans.Count; i++)
        {
            var plan = plans[i];
            long doc;
            if (plan.ExistingDoc is long existing) { writeCommands.Update(existing, plan); doc = existing; updated++; }
            else { doc = writeCommands.Insert(plan); added++; }
            writeCommands.ReplaceTags(doc, plan.Document.Tags);
            if (windows[i] is { } ws) { writeCommands.ReplaceVectors(doc, ws); embedded += ws.Count; }
            if (predicted?[i] is { } tags) predictedTags.Replace(doc, tags, _tagger!.HeadId);
            else if (plan.ExistingDoc is not null && plan.ContentChanged) predictedTags.Clear(doc); // the old prediction no longer describes the text
        }
        if (plans.Count > 0) MetaTable.BumpGeneration(_conn, tx);
        writeCommands.Complete(); // new rows' tags and postings, FTS5 last so nothing makes it flush early
        tx.Commit();
        return new UpsertResult(added, updated, unchanged, embedded);
    }

    /// <summary>Deletes documents by id; returns how many existed. Unknown ids are not an error.</summary>
    public int Delete(IEnumerable<string> ids)
    {
        using var tx = _conn.BeginTransaction();
        using var cmd = _conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM documents WHERE id = $id";
        var p = cmd.Parameters.Add("$id", SqliteType.Text);
        int deleted = 0;
        foreach (var id in ids) { p.Value = id; deleted += cmd.ExecuteNonQuery(); }
        if (deleted > 0) MetaTable.BumpGeneration(_conn, tx);
        tx.Commit();
        return deleted;
    }

    /// <summary>Deletes every document carrying <paramref name="tag"/>; returns how many.</summary>
    public int DeleteByTag(string tag)
    {
        using var tx = _conn.BeginTransaction();
        using var cmd = _conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM documents WHERE doc IN (SELECT doc FROM doc_tags WHERE tag = $tag)";
        cmd.Parameters.AddWithValue("$tag", tag);
        int deleted = cmd.ExecuteNonQuery();
        if (deleted > 0) MetaTable.BumpGeneration(_conn, tx);
        tx.Commit();
        return deleted;
    }

    /// <summary>
    /// Merges the FTS5 index into a single segment. Every committed batch adds a segment and queries
    /// visit all of them, so after a bulk load this makes keyword queries several times faster; it
    /// costs time proportional to the index size (like Lucene's forceMerge), hence explicit.
    /// </summary>
    public void Optimize()
    {
        using var tx = _conn.BeginTransaction();
        IndexDatabase.Execute(_conn, "INSERT INTO fts(fts) VALUES ('optimize')", tx);
        tx.Commit();
    }

    public long CountDocuments() => CountDocuments(_conn);

    private static long CountDocuments(SqliteConnection conn)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM documents";
        return (long)cmd.ExecuteScalar()!;
    }

    private void EnsureCanAddDocuments()
    {
        if (Model is not null && _encoder is null)
            throw new InvalidOperationException($"index '{Directory}' is bound to a model ({Model.Identity.Fingerprint}); open the writer with that model to add documents");
    }

    /// <summary>Per plan, the embedded windows (null when the document keeps its vectors or the index is keyword-only).</summary>
    private List<IReadOnlyList<EmbeddedWindow>?> EmbedWindows(List<DocumentPlan> plans)
    {
        var result = new List<IReadOnlyList<EmbeddedWindow>?>(plans.Count);
        if (_encoder is null) { foreach (var _ in plans) result.Add(null); return result; }
        var sequences = new List<int[]>();
        var owners = new List<(int plan, int start)>();
        foreach (var (plan, i) in plans.Select((p, i) => (p, i)))
        {
            if (!plan.Embed) continue;
            var pieces = _encoder.TokenIds(plan.Document.EmbeddingText);
            foreach (var w in TokenWindowSplitter.Split(pieces, _encoder.Identity.MaxSeqLength, _encoder.ClsId, _encoder.SepId))
            {
                sequences.Add(w.Sequence);
                owners.Add((i, w.Start));
            }
        }
        var vectors = sequences.Count == 0 ? Array.Empty<float[]>() : _encoder.EncodeIds(sequences, _encodeBatchSize);
        if (vectors.Length != sequences.Count) throw new InvalidOperationException($"encoder returned {vectors.Length} vectors for {sequences.Count} sequences");
        var perPlan = new List<EmbeddedWindow>?[plans.Count];
        for (int j = 0; j < vectors.Length; j++)
        {
            if (vectors[j].Length != _encoder.Identity.Dimension)
                throw new InvalidOperationException($"encoder returned a vector of dimension {vectors[j].Length}, expected {_encoder.Identity.Dimension}");
            (perPlan[owners[j].plan] ??= new List<EmbeddedWindow>()).Add(new EmbeddedWindow(owners[j].start, vectors[j]));
        }
        result.AddRange(perPlan);
        return result;
    }

    public void Dispose()
    {
        _conn.Dispose();
        _lock.Dispose();
    }
}

internal sealed record DocumentPlan(PreparedDocument Prepared, long? ExistingDoc, bool Embed)
{
    public SourceDocument Document => Prepared.Document;

    /// <summary>Title or text differ from the stored document (always true for a new one).</summary>
    public bool ContentChanged { get; init; } = true;
}

internal readonly record struct EmbeddedWindow(int TokenStart, float[] Vector);
