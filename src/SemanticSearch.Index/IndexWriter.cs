using Lucene.Net.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Ingest;
using SemanticSearch.Index.Storage;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Index;

/// <summary>What one <see cref="IndexWriter.Upsert"/> call did.</summary>
public readonly record struct UpsertResult(int Added, int Updated, int Unchanged, int WindowsEmbedded);

/// <summary>
/// The only way to change an index's documents. One writer per index at a time (Lucene's write.lock
/// across processes, <see cref="IndexStore"/> within one). Every public write method is one Lucene
/// commit: when it returns, the change is durable (segments fsync'ed, then segments_N); if it
/// throws, nothing of that call is applied.
/// </summary>
public sealed class IndexWriter : IDisposable
{
    private readonly IndexStore _store;
    private readonly ITextEncoder? _encoder;
    private readonly int _encodeBatchSize;
    private readonly DocumentTagger? _tagger;
    private readonly bool _taggerReusesEmbeddings;
    private int _disposed;

    public string Directory { get; }
    /// <summary>The model this index is bound to, or null for a keyword-only index.</summary>
    public ModelBinding? Model { get; }
    /// <summary>The classifier head whose predicted tags the index holds, or null if it has none.</summary>
    public TaggingHead? TaggingHead { get; }
    /// <summary>The analyzer and BM25 parameters the index was created with.</summary>
    public IndexSettings Settings => _store.Settings;

    private IndexWriter(string directory, IndexStore store, ITextEncoder? encoder, ModelBinding? model, int encodeBatchSize,
                        DocumentTagger? tagger, TaggingHead? taggingHead)
    {
        Directory = directory; _store = store; _encoder = encoder; Model = model; _encodeBatchSize = encodeBatchSize;
        _tagger = tagger; TaggingHead = taggingHead;
        _taggerReusesEmbeddings = tagger is not null && tagger.ReusesEmbeddingsOf(model?.Identity);
    }

    /// <summary>
    /// Opens or creates the index in <paramref name="directory"/>. With an encoder, an empty index is
    /// bound to it and an existing one must already be bound to the same model; without one, the
    /// index stays keyword-only. With a <paramref name="tagger"/>, every new or re-texted document is
    /// classified and its predicted tags stored (see <see cref="DocumentTagger"/>).
    /// <paramref name="settings"/> apply when the index is created; an existing index must have been
    /// created with the same ones (null: whatever it recorded).
    /// </summary>
    public static IndexWriter Open(string directory, ITextEncoder? encoder = null, string? modelPath = null, int encodeBatchSize = 32,
                                   DocumentTagger? tagger = null, IndexSettings? settings = null)
    {
        settings?.Validate();
        var store = IndexStore.Acquire(directory, exclusive: true, create: true, settings);
        try
        {
            var data = store.Data;
            var model = ModelBinding.Read(data);
            if (encoder is not null)
            {
                if (model is not null) model.EnsureMatches(encoder.Identity, directory);
                else
                {
                    long docs = store.Read(r => (long)r.NumDocs);
                    if (docs > 0)
                        throw new ModelMismatchException($"index '{directory}' already holds {docs} documents without vectors (keyword-only); a model can only be bound to an empty index");
                    model = new ModelBinding(encoder.Identity, modelPath is null ? null : Path.GetFullPath(modelPath));
                    store.Commit(scope => { model.Write(scope.Data); return 0; });
                }
            }
            tagger?.EnsureUsableWith(model?.Identity, directory);
            var taggingHead = tagger is null ? Tagging.TaggingHead.Read(data) : PredictedTagHeads.Adopt(store, tagger, directory);
            return new IndexWriter(directory, store, encoder, model, encodeBatchSize, tagger, taggingHead);
        }
        catch
        {
            store.Release(exclusive: true);
            throw;
        }
    }

    /// <summary>
    /// Adds or replaces documents by id in one commit. Within the batch the last document with a
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
        _store.Read(reader =>
        {
            foreach (var d in latest.Values)
            {
                if (DocLookup.Find(reader, d.Document.Id) is not { } found) { plans.Add(new DocumentPlan(d, Exists: false, Embed: _encoder is not null)); continue; }
                var hashes = StoredRecord.Bytes(found.Leaf, IndexFields.Hashes, found.Doc);
                if (hashes.AsSpan(32).SequenceEqual(d.RecordHash)) { unchanged++; continue; }
                bool contentChanged = !hashes.AsSpan(0, 32).SequenceEqual(d.ContentHash);
                plans.Add(new DocumentPlan(d, Exists: true, Embed: _encoder is not null && contentChanged) { ContentChanged = contentChanged });
            }
            return 0;
        });

        // Embedding happens before the commit starts: it is the slow part, and other writers sharing
        // the store (an activation) should never wait on it.
        var windows = EmbedWindows(plans);
        var predicted = _tagger is null ? null : IngestTagging.Predict(_tagger, _taggerReusesEmbeddings, plans, windows, _encodeBatchSize);
        int added = 0, updated = 0, embedded = 0;
        if (plans.Count == 0) return new UpsertResult(0, 0, unchanged, 0);
        _store.Commit(scope =>
        {
            string live = scope.Data[CommitKeys.VectorField];
            bool activationPending = ModelBinding.Read(scope.Data, ModelBinding.PendingPrefix) is not null;
            for (int i = 0; i < plans.Count; i++)
            {
                var plan = plans[i];
                var old = plan.Exists && DocLookup.Find(scope.Reader, plan.Document.Id) is { } f ? StoredRecord.Read(f.Leaf, f.Doc) : null;
                var record = NewRecord(plan, old, live, activationPending);
                if (windows[i] is { } ws)
                {
                    record.SetVectors(live, VectorBlob.ToBytes(ws.Select(w => w.Vector).ToList(), _encoder!.Identity.Dimension));
                    embedded += ws.Count;
                }
                if (predicted?[i] is { } tags) { record.TagHead = _tagger!.HeadId; record.Predicted = tags; }
                scope.Put(record);
                if (old is null) added++; else updated++;
            }
            scope.Changed = true;
            return 0;
        });
        return new UpsertResult(added, updated, unchanged, embedded);
    }

    /// <summary>
    /// The record an upsert writes: the new title, text, tags and metadata; from the stored record,
    /// the vectors when the content is unchanged, an activation's staged vectors (the activation checks
    /// their content hash), and the prediction unless the text changed (it no longer describes it).
    /// </summary>
    private static StoredRecord NewRecord(DocumentPlan plan, StoredRecord? old, string live, bool activationPending)
    {
        var d = plan.Document;
        var record = new StoredRecord
        {
            Id = d.Id, Title = d.Title, Text = d.Text, Tags = d.Tags, Metadata = d.MetadataJson,
            ContentHash = plan.Prepared.ContentHash, RecordHash = plan.Prepared.RecordHash,
        };
        if (old is null) return record;
        if (!plan.ContentChanged)
        {
            record.SetVectors(live, old.Vectors(live));
            record.TagHead = old.TagHead;
            record.Predicted = old.Predicted;
        }
        if (activationPending)
        {
            record.SetVectors(IndexFields.Other(live), old.Vectors(IndexFields.Other(live)));
            record.StagedHash = old.StagedHash;
        }
        return record;
    }

    /// <summary>Deletes documents by id; returns how many existed. Unknown ids are not an error.</summary>
    public int Delete(IEnumerable<string> ids)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        return _store.Commit(scope =>
        {
            int deleted = 0;
            foreach (var id in distinct)
            {
                if (DocLookup.Find(scope.Reader, id) is null) continue;
                scope.Writer.DeleteDocuments(new Term(IndexFields.Id, id));
                deleted++;
            }
            scope.Changed = deleted > 0;
            return deleted;
        });
    }

    /// <summary>Deletes every document carrying <paramref name="tag"/>; returns how many.</summary>
    public int DeleteByTag(string tag) => _store.Commit(scope =>
    {
        int deleted = (int)TermCounts.Live(scope.Reader, IndexFields.Tag, tag);
        if (deleted > 0) scope.Writer.DeleteDocuments(new Term(IndexFields.Tag, tag));
        scope.Changed = deleted > 0;
        return deleted;
    });

    /// <summary>The ids of every document, in id order (for prune and dry runs).</summary>
    public List<string> Ids() => _store.Read(r => TermCounts.PerTerm(r, IndexFields.Id).Keys.ToList());

    /// <summary>
    /// Merges the index into a single segment (Lucene's forceMerge). Not needed for correctness or
    /// for bounded query cost (the merge policy keeps the segment count logarithmic); it costs time
    /// proportional to the index size, hence explicit.
    /// </summary>
    public void Optimize() => _store.ForceMerge();

    public long CountDocuments() => _store.Read(r => (long)r.NumDocs);

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
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _store.Release(exclusive: true);
    }
}

internal sealed record DocumentPlan(PreparedDocument Prepared, bool Exists, bool Embed)
{
    public SourceDocument Document => Prepared.Document;

    /// <summary>Title or text differ from the stored document (always true for a new one).</summary>
    public bool ContentChanged { get; init; } = true;
}

internal readonly record struct EmbeddedWindow(int TokenStart, float[] Vector);
