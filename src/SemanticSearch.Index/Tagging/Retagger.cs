using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Util;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tagging;

/// <summary>What one re-tag run did.</summary>
public readonly record struct RetagReport(long Documents, long AlreadyTagged, long Tagged, long Unknown, int Batches);

/// <summary>
/// Re-classifies every document of an index with a (new) head. Each batch is one commit that
/// replaces the batch's predicted tags and records the head per document, so whatever happens, every
/// document carries the tags of exactly one head. The index's recorded head switches to the new one
/// when the run starts; a run that is killed leaves the committed batches tagged by the new head and
/// the rest by the old one (stats shows how many of each), and running the same re-tag again
/// continues with the documents the new head has not classified yet (in id order).
/// Holds the writer lock for the whole run, so no ingest can add documents it would miss.
/// </summary>
public static class Retagger
{
    public static RetagReport Run(string directory, DocumentTagger tagger, int batchSize = 256, Action<long>? started = null, Action<long>? batchCommitted = null)
    {
        if (batchSize < 1) throw new ArgumentException("batch size must be at least 1");
        var store = IndexStore.Acquire(directory, exclusive: true, create: false);
        try
        {
            var data = store.Data;
            var model = ModelBinding.Read(data);
            tagger.EnsureUsableWith(model?.Identity, directory);
            bool reuse = tagger.ReusesEmbeddingsOf(model?.Identity);
            string live = data[CommitKeys.VectorField];
            store.Commit(scope => { tagger.Describe().Write(scope.Data); return 0; });
            var (documents, pending) = store.Read(r => ((long)r.NumDocs, PendingIds(r, tagger.HeadId)));
            started?.Invoke(pending.Count);

            long tagged = 0, unknown = 0;
            int batches = 0;
            foreach (var chunk in pending.Chunk(batchSize))
            {
                var records = store.Read(r => chunk.Select(id => DocLookup.Find(r, id) is { } f ? StoredRecord.Read(f.Leaf, f.Doc) : null).OfType<StoredRecord>().ToList());
                if (records.Count == 0) continue;
                var embeddings = reuse
                    ? records.Select(rec => FirstWindow(rec, live, model!.Identity.Dimension, directory)).ToList()
                    : tagger.EmbedWithOwnEncoder(records.Select(rec => rec.ToSource().EmbeddingText).ToList(), 32).ToList();
                var predicted = tagger.Classify(embeddings);
                store.Commit(scope =>
                {
                    for (int i = 0; i < records.Count; i++)
                    {
                        records[i].TagHead = tagger.HeadId;
                        records[i].Predicted = predicted[i];
                        scope.Put(records[i]);
                        if (predicted[i].Length == 0) unknown++; else tagged++;
                    }
                    scope.Changed = true;
                    return 0;
                });
                batches++;
                batchCommitted?.Invoke(records.Count);
            }
            return new RetagReport(documents, documents - pending.Count, tagged, unknown, batches);
        }
        finally { store.Release(exclusive: true); }
    }

    private static float[] FirstWindow(StoredRecord record, string field, int dimension, string directory)
    {
        var blob = record.Vectors(field);
        if (blob.Length == 0) throw new InvalidDataException($"document '{record.Id}' in index '{directory}' has no stored vector to classify");
        return VectorBlob.Window(blob, 0, dimension);
    }

    /// <summary>Ids of live documents not classified by <paramref name="headId"/>, in id order.</summary>
    private static List<string> PendingIds(IndexReader reader, string headId)
    {
        var ids = new List<string>();
        foreach (var ctx in reader.Leaves)
        {
            var leaf = ctx.AtomicReader;
            var done = new FixedBitSet(leaf.MaxDoc);
            var te = leaf.GetTerms(IndexFields.TagHead)?.GetEnumerator();
            if (te is not null && te.SeekExact(new BytesRef(headId)))
            {
                var docs = te.Docs(null, null, DocsFlags.NONE);
                for (int d = docs.NextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = docs.NextDoc()) done.Set(d);
            }
            var liveDocs = leaf.LiveDocs;
            for (int d = 0; d < leaf.MaxDoc; d++)
                if ((liveDocs is null || liveDocs.Get(d)) && !done.Get(d)) ids.Add(leaf.Document(d).Get(IndexFields.Id));
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }
}
