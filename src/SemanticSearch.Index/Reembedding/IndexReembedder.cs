using System.Security.Cryptography;
using System.Text;
using Lucene.Net.Index;
using Lucene.Net.Util;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Reembedding;

/// <summary>How far a re-embedding has got: documents whose current content has staged vectors, of all documents.</summary>
public readonly record struct ReembedProgress(long DocumentsDone, long DocumentsTotal);

/// <summary>Another model is already being staged; finish or abandon that re-embedding first.</summary>
public sealed class ReembedConflictException(string message) : InvalidOperationException(message);

/// <summary>
/// Re-embeds an index with a new model while the index keeps serving its current vectors, then
/// switches over in one commit.
///
/// Each document has two vector doc-values fields; the commit data names the live one. The pending
/// model is recorded in the commit data (`pending_model_*`) and its vectors are written into the
/// other field in committed batches, in id order, with a cursor (`reembed_cursor`, the last id
/// staged) committed with each batch; so a killed re-embedding resumes after the last id it had
/// committed. Each staged document also records a staging hash (its content hash, the pending
/// model's fingerprint and the run's id): documents upserted meanwhile need no hook in the writer, because
/// <see cref="CatchUp"/> / <see cref="Complete"/> embed again every document whose staging hash is
/// not that of its current content. The final reconciliation and the switch (live field, model
/// binding, generation) are one commit made under the store's commit lock, so no write slips in.
///
/// Shares the index's Lucene writer with an <see cref="IndexWriter"/> open in the same process (the
/// served index, or the CLI's writer lock). Staging commits do not move the generation, and
/// searchers keep scanning the live field.
/// </summary>
public sealed class IndexReembedder : IDisposable
{
    private readonly IndexStore _store;
    private readonly ITextEncoder _encoder;
    private readonly int _encodeBatchSize;
    private int _disposed;
    private string _run = "";

    public string Directory { get; }
    /// <summary>The model the index serves until <see cref="Complete"/> (null: keyword-only index).</summary>
    public ModelBinding? Current { get; }
    /// <summary>The model being staged.</summary>
    public ModelBinding Pending { get; }
    /// <summary>True when this call continued a re-embedding recorded earlier (after a restart).</summary>
    public bool Resumed { get; }

    private IndexReembedder(string directory, IndexStore store, ITextEncoder encoder, ModelBinding? current, ModelBinding pending, bool resumed, int encodeBatchSize)
    {
        Directory = directory; _store = store; _encoder = encoder; Current = current; Pending = pending; Resumed = resumed; _encodeBatchSize = encodeBatchSize;
    }

    /// <summary>The model a re-embedding recorded in <paramref name="directory"/> is staging, or null.</summary>
    public static ModelBinding? ReadPending(string directory) => ModelBinding.Read(CommittedState.Read(directory), ModelBinding.PendingPrefix);

    /// <summary>
    /// Starts re-embedding with <paramref name="encoder"/>, or resumes the recorded one when it is the
    /// same model. Refuses the model the index already has, and a different model while one is pending
    /// (<see cref="ReembedConflictException"/>).
    /// </summary>
    public static IndexReembedder Open(string directory, ITextEncoder encoder, string? modelPath, int encodeBatchSize = 32)
    {
        var store = IndexStore.Acquire(directory, exclusive: false, create: false);
        try
        {
            var (current, pending, resumed, run) = store.Commit(scope =>
            {
                var current = ModelBinding.Read(scope.Data);
                var pending = ModelBinding.Read(scope.Data, ModelBinding.PendingPrefix);
                if (pending is not null && pending.Identity != encoder.Identity)
                    throw new ReembedConflictException(
                        $"index '{directory}' is already being re-embedded with model [{pending.Identity.Describe()}]{(pending.ModelPath is null ? "" : $" from '{pending.ModelPath}'")}; wait for it or abandon it first");
                if (pending is null && current is not null && current.Identity == encoder.Identity)
                    throw new InvalidOperationException($"index '{directory}' already uses model [{encoder.Identity.Describe()}]; nothing to re-embed");
                bool resumed = pending is not null;
                if (!resumed)
                {
                    pending = new ModelBinding(encoder.Identity, modelPath is null ? null : Path.GetFullPath(modelPath));
                    pending.Write(scope.Data, ModelBinding.PendingPrefix);
                    scope.Data[CommitKeys.ReembedCursor] = "";
                    scope.Data[CommitKeys.ReembedRun] = Guid.NewGuid().ToString("N");
                }
                return (current, pending!, resumed, scope.Data.GetValueOrDefault(CommitKeys.ReembedRun) ?? "");
            });
            return new IndexReembedder(directory, store, encoder, current, pending, resumed, encodeBatchSize) { _run = run };
        }
        catch
        {
            store.Release(exclusive: false);
            throw;
        }
    }

    /// <summary>Documents with up-to-date staged vectors, of all documents (one pass over the doc values).</summary>
    public ReembedProgress Progress() => _store.Read(reader =>
    {
        long done = 0;
        foreach (var ctx in reader.Leaves)
        {
            var leaf = ctx.AtomicReader;
            var live = leaf.LiveDocs;
            for (int d = 0; d < leaf.MaxDoc; d++)
                if ((live is null || live.Get(d)) && IsStaged(leaf, d)) done++;
        }
        return new ReembedProgress(done, reader.NumDocs);
    });

    /// <summary>
    /// Embeds up to <paramref name="maxDocuments"/> documents after the cursor and commits them with
    /// the moved cursor. Returns how many; 0 when the cursor has passed the last document.
    /// </summary>
    public int EmbedNextBatch(int maxDocuments = 64)
    {
        if (maxDocuments < 1) throw new ArgumentOutOfRangeException(nameof(maxDocuments), "at least one document per batch");
        string cursor = _store.Data.GetValueOrDefault(CommitKeys.ReembedCursor) ?? "";
        var records = _store.Read(reader => IdsAfter(reader, cursor, maxDocuments).Select(id => Load(reader, id)!).ToList());
        if (records.Count == 0) return 0;
        var windows = Embed(records); // outside the commit: embedding is the slow part
        _store.Commit(scope =>
        {
            Stage(scope, records, windows);
            scope.Data[CommitKeys.ReembedCursor] = records[^1].Id;
            return 0;
        });
        return records.Count;
    }

    /// <summary>
    /// Embeds again up to <paramref name="maxDocuments"/> documents behind the cursor that changed after
    /// they were staged (or were added behind it). Returns how many; 0 when everything staged is current.
    /// </summary>
    public int CatchUp(int maxDocuments = 64)
    {
        string cursor = _store.Data.GetValueOrDefault(CommitKeys.ReembedCursor) ?? "";
        var records = _store.Read(reader => Stale(reader, cursor, maxDocuments));
        if (records.Count == 0) return 0;
        var windows = Embed(records);
        _store.Commit(scope => { Stage(scope, records, windows); return 0; });
        return records.Count;
    }

    /// <summary>
    /// Finishes: stages whatever is left, then in one commit (no other writer can interleave) embeds
    /// the documents that changed since, switches the live vector field, binds the new model, clears
    /// the pending record and moves the generation. Returns the new binding. Call
    /// <see cref="EmbedNextBatch"/> and <see cref="CatchUp"/> first so the commit has little left to embed.
    /// </summary>
    public ModelBinding Complete()
    {
        while (EmbedNextBatch(256) > 0) { }
        return _store.Commit(scope =>
        {
            var stale = Stale(scope.Reader, null, int.MaxValue);
            if (stale.Count > 0) Stage(scope, stale, Embed(stale));
            scope.Data[CommitKeys.VectorField] = IndexFields.Other(scope.Data[CommitKeys.VectorField]);
            Pending.Write(scope.Data);
            ModelBinding.Clear(scope.Data, ModelBinding.PendingPrefix);
            scope.Data.Remove(CommitKeys.ReembedCursor);
            scope.Data.Remove(CommitKeys.ReembedRun);
            scope.Changed = true;
            return Pending;
        });
    }

    /// <summary>
    /// Forgets the pending model and its cursor; the index keeps its current model. Staged vectors are
    /// no longer read and are dropped from each document the next time it is written.
    /// </summary>
    public void Abandon() => _store.Commit(scope =>
    {
        ModelBinding.Clear(scope.Data, ModelBinding.PendingPrefix);
        scope.Data.Remove(CommitKeys.ReembedCursor);
        scope.Data.Remove(CommitKeys.ReembedRun);
        return 0;
    });

    private byte[] StagingHash(byte[] contentHash)
    {
        // The run id makes vectors staged by an abandoned run never count as done for a later one.
        var fp = Encoding.UTF8.GetBytes(Pending.Identity.Fingerprint + "\n" + _run);
        var buffer = new byte[contentHash.Length + fp.Length];
        contentHash.CopyTo(buffer, 0);
        fp.CopyTo(buffer, contentHash.Length);
        return SHA256.HashData(buffer);
    }

    private bool IsStaged(AtomicReader leaf, int doc)
    {
        var staged = StoredRecord.Bytes(leaf, IndexFields.StagedHash, doc);
        return staged.Length > 0 && staged.AsSpan().SequenceEqual(StagingHash(StoredRecord.Bytes(leaf, IndexFields.Hashes, doc)[..32]));
    }

    private static StoredRecord? Load(IndexReader reader, string id) =>
        DocLookup.Find(reader, id) is { } f ? StoredRecord.Read(f.Leaf, f.Doc) : null;

    /// <summary>Live ids after <paramref name="cursor"/> in the index's term (UTF-8 byte) order.</summary>
    private static List<string> IdsAfter(IndexReader reader, string cursor, int max)
    {
        var ids = new List<string>();
        var te = MultiFields.GetTerms(reader, IndexFields.Id)?.GetEnumerator();
        if (te is null) return ids;
        var live = MultiFields.GetLiveDocs(reader);
        BytesRef? term;
        if (cursor.Length == 0) term = te.Next();
        else
        {
            var status = te.SeekCeil(new BytesRef(cursor));
            term = status == TermsEnum.SeekStatus.END ? null : status == TermsEnum.SeekStatus.FOUND ? te.Next() : te.Term;
        }
        for (; term is not null && ids.Count < max; term = te.Next())
            if (te.Docs(live, null, DocsFlags.NONE).NextDoc() != Lucene.Net.Search.DocIdSetIterator.NO_MORE_DOCS) ids.Add(term.Utf8ToString());
        return ids;
    }

    /// <summary>Documents up to <paramref name="cursor"/> (null: all) whose staged vectors are not of their current content.</summary>
    private List<StoredRecord> Stale(IndexReader reader, string? cursor, int max)
    {
        var limit = cursor is null ? null : new BytesRef(cursor);
        var result = new List<StoredRecord>();
        foreach (var ctx in reader.Leaves)
        {
            var leaf = ctx.AtomicReader;
            var live = leaf.LiveDocs;
            for (int d = 0; d < leaf.MaxDoc && result.Count < max; d++)
            {
                if ((live is not null && !live.Get(d)) || IsStaged(leaf, d)) continue;
                var record = StoredRecord.Read(leaf, d);
                if (limit is not null && new BytesRef(record.Id).CompareTo(limit) > 0) continue;
                result.Add(record);
            }
        }
        return result;
    }

    /// <summary>Per record, its window vectors, cut and embedded exactly as the writer does.</summary>
    private List<float[]>[] Embed(List<StoredRecord> records)
    {
        var sequences = new List<int[]>();
        var owners = new List<int>();
        for (int i = 0; i < records.Count; i++)
            foreach (var w in TokenWindowSplitter.Split(_encoder.TokenIds(records[i].ToSource().EmbeddingText), _encoder.Identity.MaxSeqLength, _encoder.ClsId, _encoder.SepId))
            {
                sequences.Add(w.Sequence);
                owners.Add(i);
            }
        var vectors = sequences.Count == 0 ? Array.Empty<float[]>() : _encoder.EncodeIds(sequences, _encodeBatchSize);
        if (vectors.Length != sequences.Count) throw new InvalidOperationException($"encoder returned {vectors.Length} vectors for {sequences.Count} sequences");
        var perRecord = new List<float[]>[records.Count];
        for (int i = 0; i < records.Count; i++) perRecord[i] = new List<float[]>();
        for (int j = 0; j < vectors.Length; j++)
        {
            if (vectors[j].Length != Pending.Identity.Dimension)
                throw new InvalidOperationException($"encoder returned a vector of dimension {vectors[j].Length}, expected {Pending.Identity.Dimension}");
            perRecord[owners[j]].Add(vectors[j]);
        }
        return perRecord;
    }

    /// <summary>
    /// Writes staged vectors into the documents as they are at this commit. A document changed since it
    /// was read keeps its new content and gets the staging hash of what was embedded, so it stays stale
    /// (and <see cref="CatchUp"/> embeds it again); a deleted one is left deleted.
    /// </summary>
    private void Stage(CommitScope scope, List<StoredRecord> embeddedFrom, List<float[]>[] windows)
    {
        string staging = IndexFields.Other(scope.Data[CommitKeys.VectorField]);
        for (int i = 0; i < embeddedFrom.Count; i++)
        {
            var now = Load(scope.Reader, embeddedFrom[i].Id);
            if (now is null) continue;
            now.SetVectors(staging, VectorBlob.ToBytes(windows[i], Pending.Identity.Dimension));
            now.StagedHash = StagingHash(embeddedFrom[i].ContentHash);
            scope.Put(now);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _store.Release(exclusive: false);
    }
}
