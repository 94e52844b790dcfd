using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tagging;

/// <summary>
/// Predicted tags of an index, as `semsearch stats` shows them: the recorded head, how many documents
/// it has classified (those with a label and those it answered "unknown" for), how many carry an older
/// head's answer (a re-tag that has not finished) or none (added without a head), and documents per label.
/// </summary>
public sealed record PredictedTagStats(TaggingHead? Head, long Documents, long ByCurrentHead, long UnknownByCurrentHead,
                                       long ByOtherHeads, long Untagged, IReadOnlyList<(string Tag, long Documents)> Tags)
{
    public static PredictedTagStats Read(string indexDirectory)
    {
        using var searcher = IndexSearcher.Open(indexDirectory);
        return searcher.PredictedTagStats();
    }

    internal static PredictedTagStats Read(Lucene.Net.Index.IndexReader reader, TaggingHead? head)
    {
        long documents = reader.NumDocs;
        var heads = TermCounts.PerTerm(reader, IndexFields.TagHead);
        long all = heads.Values.Sum();
        long current = head is null ? 0 : heads.GetValueOrDefault(head.Id);
        long unknown = 0;
        if (head is not null && current > 0)
        {
            // "unknown" answers are documents classified by the head with no predicted-tag blob.
            foreach (var ctx in reader.Leaves)
            {
                var leaf = ctx.AtomicReader;
                var te = leaf.GetTerms(IndexFields.TagHead)?.GetEnumerator();
                if (te is null || !te.SeekExact(new Lucene.Net.Util.BytesRef(head.Id))) continue;
                var docs = te.Docs(leaf.LiveDocs, null, Lucene.Net.Index.DocsFlags.NONE);
                var blobs = leaf.GetBinaryDocValues(IndexFields.Predicted);
                var bytes = new Lucene.Net.Util.BytesRef();
                for (int d = docs.NextDoc(); d != Lucene.Net.Search.DocIdSetIterator.NO_MORE_DOCS; d = docs.NextDoc())
                {
                    blobs?.Get(d, bytes);
                    if (blobs is null || bytes.Length == 0) unknown++;
                }
            }
        }
        var tags = TermCounts.PerTerm(reader, IndexFields.PredictedTag)
            .OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => (e.Key, e.Value)).ToList();
        return new PredictedTagStats(head, documents, current, unknown, all - current, documents - all, tags);
    }
}
