using System.Numerics.Tensors;
using Lucene.Net.Util;

namespace SemanticSearch.Index.Search;

/// <summary>
/// Every live window vector of one reader of the index: its segments' matrices
/// (<see cref="SegmentVectors"/>), each masked by the segment's live documents. Documents are
/// named by the reader's global doc id (segment doc base + segment doc), which is what the keyword
/// leg and the hit loader use for the same reader.
/// </summary>
public sealed class VectorMatrix
{
    internal readonly record struct Segment(SegmentVectors Vectors, int DocBase, IBits? LiveDocs);

    private readonly Segment[] _segments;

    public int Dimension { get; }
    /// <summary>The index generation this matrix was read at.</summary>
    public long Generation { get; }
    /// <summary>Live window vectors.</summary>
    public int Rows { get; }
    /// <summary>Live documents with at least one vector.</summary>
    public int Documents { get; }
    /// <summary>Segments whose matrices were loaded for this matrix (the rest were reused from the previous one).</summary>
    public int SegmentsLoaded { get; }
    public int Segments => _segments.Length;

    internal VectorMatrix(int dimension, long generation, Segment[] segments, int segmentsLoaded)
    {
        Dimension = dimension; Generation = generation; _segments = segments; SegmentsLoaded = segmentsLoaded;
        foreach (var s in segments)
            for (int d = 0; d < s.Vectors.MaxDoc; d++)
            {
                int n = s.Vectors.RowStart[d + 1] - s.Vectors.RowStart[d];
                if (n == 0 || (s.LiveDocs is not null && !s.LiveDocs.Get(d))) continue;
                Rows += n;
                Documents++;
            }
    }

    public static void NormalizeInPlace(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    /// <summary>
    /// Exact top-<paramref name="k"/> documents by best-window cosine with <paramref name="query"/>
    /// (unit length). <paramref name="allowed"/> (per segment, null: all) is applied before ranking;
    /// the scan is split over cores by document ranges, each with its own heap, merged at the end.
    /// Ties go to the smaller doc id (<see cref="TopK"/>).
    /// </summary>
    public List<ScoredDoc> Search(ReadOnlySpan<float> query, int k, IReadOnlyList<FixedBitSet?>? allowed = null, long? exclude = null)
    {
        if (query.Length != Dimension) throw new ArgumentException($"query vector has dimension {query.Length}, index has {Dimension}");
        var q = query.ToArray();
        if (Documents == 0) return new List<ScoredDoc>();
        var parts = new List<(int Segment, int From, int To)>();
        const int docsPerPart = 8192;
        for (int s = 0; s < _segments.Length; s++)
            for (int from = 0; from < _segments[s].Vectors.MaxDoc; from += docsPerPart)
                parts.Add((s, from, Math.Min(_segments[s].Vectors.MaxDoc, from + docsPerPart)));
        if (parts.Count == 1 || Rows < 2 * docsPerPart)
        {
            var heap = new TopK(k);
            foreach (var p in parts) Scan(heap, q, allowed, exclude, p);
            return heap.ToSortedList();
        }
        var heaps = new TopK[parts.Count];
        Parallel.For(0, parts.Count, i => { heaps[i] = new TopK(k); Scan(heaps[i], q, allowed, exclude, parts[i]); });
        for (int i = 1; i < heaps.Length; i++) heaps[0].MergeFrom(heaps[i]);
        return heaps[0].ToSortedList();
    }

    private void Scan(TopK heap, float[] q, IReadOnlyList<FixedBitSet?>? allowed, long? exclude, (int Segment, int From, int To) part)
    {
        var (v, docBase, live) = _segments[part.Segment];
        var mask = allowed?[part.Segment];
        int dim = Dimension;
        var data = v.Data;
        for (int d = part.From; d < part.To; d++)
        {
            int start = v.RowStart[d], end = v.RowStart[d + 1];
            if (start == end) continue;
            if (live is not null && !live.Get(d)) continue;
            if (mask is not null && !mask.Get(d)) continue;
            long doc = docBase + d;
            if (exclude == doc) continue;
            float best = float.NegativeInfinity;
            for (int row = start; row < end; row++)
                best = Math.Max(best, TensorPrimitives.Dot(data.AsSpan(row * dim, dim), q));
            heap.Offer(doc, best);
        }
    }

    /// <summary>The unit-length mean of a document's windows, or null if it has no vectors.</summary>
    public float[]? DocumentCentroid(long doc)
    {
        var rows = Windows(doc);
        if (rows is null) return null;
        var sum = new float[Dimension];
        foreach (var r in rows) TensorPrimitives.Add(sum, r, sum);
        NormalizeInPlace(sum);
        return sum;
    }

    /// <summary>A live document's normalized window vectors (null: none).</summary>
    public float[][]? Windows(long doc)
    {
        foreach (var (v, docBase, live) in _segments)
        {
            long d = doc - docBase;
            if (d < 0 || d >= v.MaxDoc) continue;
            int i = (int)d, start = v.RowStart[i], end = v.RowStart[i + 1];
            if (start == end || (live is not null && !live.Get(i))) return null;
            var rows = new float[end - start][];
            for (int r = start; r < end; r++) rows[r - start] = v.Data.AsSpan(r * Dimension, Dimension).ToArray();
            return rows;
        }
        return null;
    }

    /// <summary>Every live document with its window vectors in window order (for checks and tools, not the hot path).</summary>
    public SortedDictionary<long, float[][]> DocumentRows()
    {
        var result = new SortedDictionary<long, float[][]>();
        foreach (var (v, docBase, _) in _segments)
            for (int d = 0; d < v.MaxDoc; d++)
                if (Windows(docBase + d) is { } rows) result.Add(docBase + d, rows);
        return result;
    }
}
