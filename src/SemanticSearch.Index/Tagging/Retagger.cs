using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tagging;

/// <summary>What one re-tag run did.</summary>
public readonly record struct RetagReport(long Documents, long AlreadyTagged, long Tagged, long Unknown, int Batches);

/// <summary>
/// Re-classifies every document of an index with a (new) head. Each batch is one transaction that
/// replaces the batch's predicted tags and records the head per document, so whatever happens, every
/// document carries the tags of exactly one head. The index's recorded head switches to the new one
/// when the run starts; a run that is killed leaves the committed batches tagged by the new head and
/// the rest by the old one (stats shows how many of each), and running the same re-tag again
/// continues with the documents the new head has not classified yet.
/// Holds the writer lock for the whole run, so no ingest can add documents it would miss.
/// </summary>
public static class Retagger
{
    public static RetagReport Run(string directory, DocumentTagger tagger, int batchSize = 256, Action<long>? started = null, Action<long>? batchCommitted = null)
    {
        if (batchSize < 1) throw new ArgumentException("batch size must be at least 1");
        using var writerLock = WriterLock.Acquire(directory);
        using var conn = IndexDatabase.OpenForWrite(directory);
        var model = ModelBinding.Read(conn);
        tagger.EnsureUsableWith(model?.Identity, directory);
        bool reuse = tagger.ReusesEmbeddingsOf(model?.Identity);
        using (var tx = conn.BeginTransaction())
        {
            tagger.Describe().Write(conn, tx);
            tx.Commit();
        }
        long documents = Scalar(conn, "SELECT COUNT(*) FROM documents", tagger.HeadId);
        long pending = Scalar(conn, "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM doc_taggings t WHERE t.doc = d.doc AND t.head = $h)", tagger.HeadId);
        started?.Invoke(pending);

        long after = long.MinValue, tagged = 0, unknown = 0;
        int batches = 0;
        using var next = conn.CreateCommand();
        next.CommandText = reuse
            ? "SELECT d.doc, d.id, '', '', v.vector FROM documents d LEFT JOIN vectors v ON v.doc = d.doc AND v.window_no = 0 " +
              "WHERE d.doc > $after AND NOT EXISTS (SELECT 1 FROM doc_taggings t WHERE t.doc = d.doc AND t.head = $h) ORDER BY d.doc LIMIT $n"
            : "SELECT d.doc, d.id, d.title, d.text, NULL FROM documents d " +
              "WHERE d.doc > $after AND NOT EXISTS (SELECT 1 FROM doc_taggings t WHERE t.doc = d.doc AND t.head = $h) ORDER BY d.doc LIMIT $n";
        var afterParam = next.Parameters.Add("$after", SqliteType.Integer);
        next.Parameters.AddWithValue("$h", tagger.HeadId);
        next.Parameters.AddWithValue("$n", batchSize);
        while (true)
        {
            afterParam.Value = after;
            var docs = new List<long>();
            var embeddings = new List<float[]>();
            var texts = new List<string>();
            using (var r = next.ExecuteReader())
            {
                while (r.Read())
                {
                    docs.Add(r.GetInt64(0));
                    if (!reuse) { texts.Add(new SourceDocument(r.GetString(1), r.GetString(2), r.GetString(3), []).EmbeddingText); continue; }
                    if (r.IsDBNull(4)) throw new InvalidDataException($"document '{r.GetString(1)}' in index '{directory}' has no stored vector to classify");
                    var v = new float[model!.Identity.Dimension];
                    VectorBlob.CopyTo((byte[])r[4], v, v.Length);
                    embeddings.Add(v);
                }
            }
            if (docs.Count == 0) break;
            if (!reuse) embeddings = tagger.EmbedWithOwnEncoder(texts, 32).ToList();
            var predicted = tagger.Classify(embeddings);
            using (var tx = conn.BeginTransaction())
            using (var writer = new PredictedTagWriter(conn, tx))
            {
                for (int i = 0; i < docs.Count; i++)
                {
                    writer.Replace(docs[i], predicted[i], tagger.HeadId);
                    if (predicted[i].Length == 0) unknown++; else tagged++;
                }
                tx.Commit();
            }
            batches++;
            after = docs[^1];
            batchCommitted?.Invoke(docs.Count);
        }
        return new RetagReport(documents, documents - pending, tagged, unknown, batches);
    }

    private static long Scalar(SqliteConnection conn, string sql, string head)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$h", head);
        return (long)cmd.ExecuteScalar()!;
    }
}
