using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Util;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>
/// The "document carries every one of these tags" restriction, as a per-segment bit set that both
/// legs apply before their top-k (the keyword leg as a Lucene <see cref="Filter"/>, the vector leg
/// as a mask in its scan). Given tags (<c>tag</c> terms) and predicted tags (<c>ptag</c> terms, each
/// at or above a minimum confidence read from the document's predicted-tag blob) are separate
/// lists; a document must satisfy both. The sets are made once per search and reader.
/// </summary>
internal sealed class TagFilter
{
    public IReadOnlyList<string> Tags { get; }
    public IReadOnlyList<string> PredictedTags { get; }
    public double MinPredictedConfidence { get; }

    private IndexReader? _reader;
    private FixedBitSet?[]? _bits;

    public TagFilter(IReadOnlyList<string> tags, IReadOnlyList<string>? predictedTags = null, double minPredictedConfidence = 0)
    {
        Tags = tags.Distinct(StringComparer.Ordinal).ToArray();
        PredictedTags = (predictedTags ?? []).Distinct(StringComparer.Ordinal).ToArray();
        MinPredictedConfidence = minPredictedConfidence;
    }

    public static TagFilter For(SearchRequest request) => new(request.Tags, request.PredictedTags, request.MinPredictedConfidence);

    public bool IsEmpty => Tags.Count == 0 && PredictedTags.Count == 0;

    /// <summary>Per segment of <paramref name="reader"/> (in leaf order), the matching documents; null when the filter is empty.</summary>
    public IReadOnlyList<FixedBitSet?>? Bits(IndexReader reader)
    {
        if (IsEmpty) return null;
        if (_bits is not null && ReferenceEquals(_reader, reader)) return _bits;
        var leaves = reader.Leaves;
        var bits = new FixedBitSet?[leaves.Count];
        for (int i = 0; i < leaves.Count; i++) bits[i] = ForSegment(leaves[i].AtomicReader);
        (_reader, _bits) = (reader, bits);
        return bits;
    }

    /// <summary>The same sets as a Lucene filter for the keyword leg's search on <paramref name="reader"/>.</summary>
    public Filter? AsLuceneFilter(IndexReader reader) => IsEmpty ? null : new BitsFilter(Bits(reader)!);

    private FixedBitSet ForSegment(AtomicReader leaf)
    {
        FixedBitSet? result = null;
        foreach (var t in Tags) result = And(result, Postings(leaf, IndexFields.Tag, t));
        foreach (var t in PredictedTags)
        {
            var set = Postings(leaf, IndexFields.PredictedTag, t);
            if (MinPredictedConfidence > 0) KeepConfident(leaf, set, t);
            result = And(result, set);
        }
        return result ?? new FixedBitSet(leaf.MaxDoc);
    }

    private void KeepConfident(AtomicReader leaf, FixedBitSet set, string tag)
    {
        var blobs = leaf.GetBinaryDocValues(IndexFields.Predicted);
        var bytes = new BytesRef();
        for (int d = set.NextSetBit(0); d >= 0 && d < set.Length; d = d + 1 < set.Length ? set.NextSetBit(d + 1) : -1)
        {
            double c = -1;
            if (blobs is not null)
            {
                blobs.Get(d, bytes);
                c = PredictedTagBlob.ConfidenceOf(bytes.Bytes.AsSpan(bytes.Offset, bytes.Length), tag);
            }
            if (c < MinPredictedConfidence) set.Clear(d);
        }
    }

    private static FixedBitSet Postings(AtomicReader leaf, string field, string value)
    {
        var set = new FixedBitSet(leaf.MaxDoc);
        var te = leaf.GetTerms(field)?.GetEnumerator();
        if (te is null || !te.SeekExact(new BytesRef(value))) return set;
        var docs = te.Docs(leaf.LiveDocs, null, DocsFlags.NONE);
        for (int d = docs.NextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = docs.NextDoc()) set.Set(d);
        return set;
    }

    private static FixedBitSet And(FixedBitSet? a, FixedBitSet b)
    {
        if (a is null) return b;
        a.And(b);
        return a;
    }

    private sealed class BitsFilter(IReadOnlyList<FixedBitSet?> bits) : Filter
    {
        public override DocIdSet GetDocIdSet(AtomicReaderContext context, IBits acceptDocs) =>
            BitsFilteredDocIdSet.Wrap(bits[context.Ord], acceptDocs);
    }
}
