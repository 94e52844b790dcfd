using System.Numerics.Tensors;

namespace SemanticSearch.Index.Search;

/// <summary>
/// An immutable snapshot of every window vector of the index, L2-normalized so cosine is a plain
/// dot product. Rows live in an append-only arena shared between snapshots (see
/// <see cref="VectorMatrixRefresher"/>): the windows of a document are one contiguous group, a
/// changed document gets a new group at the end and its old group a tombstone, and each snapshot
/// owns its own copy of the live-group bitmap. A snapshot therefore never changes after it is
/// published, and searches on it never wait for a refresh.
/// </summary>
public sealed class VectorMatrix
{
    public int Dimension { get; }
    /// <summary>The index generation this snapshot was read at.</summary>
    public long Generation { get; }
    /// <summary>Position in the index's vector change log at this snapshot (null: the index has no log).</summary>
    public long? LogSequence { get; }
    /// <summary>True when this snapshot was made by applying logged changes to an earlier one, not by a full load.</summary>
    public bool Incremental { get; }
    /// <summary>Live window vectors.</summary>
    public int Rows { get; }
    /// <summary>Documents with at least one vector.</summary>
    public int Documents { get; }
    /// <summary>Rows of replaced or deleted documents still held by the arena (reclaimed by compaction).</summary>
    public int DeadRows { get; }

    private readonly float[] _data;       // row-major, Dimension floats per row
    private readonly long[] _groupDoc;    // doc id of each group
    private readonly int[] _groupStart;   // first row of each group; the group ends at _groupStart[g + 1]
    private readonly int _groups;         // groups visible to this snapshot (the arrays may hold more)
    private readonly ulong[] _live;       // bit g set: group g belongs to a live document

    internal VectorMatrix(int dimension, long generation, long? logSequence, bool incremental,
        float[] data, long[] groupDoc, int[] groupStart, int groups, ulong[] live, int liveRows, int liveDocs, int deadRows)
    {
        Dimension = dimension; Generation = generation; LogSequence = logSequence; Incremental = incremental;
        _data = data; _groupDoc = groupDoc; _groupStart = groupStart; _groups = groups; _live = live;
        Rows = liveRows; Documents = liveDocs; DeadRows = deadRows;
    }

    /// <summary>The same vectors published at a later generation that changed no vector.</summary>
    internal VectorMatrix At(long generation, long? logSequence) =>
        new(Dimension, generation, logSequence, incremental: true, _data, _groupDoc, _groupStart, _groups, _live, Rows, Documents, DeadRows);

    internal bool IsLive(int group) => (_live[group >> 6] & (1UL << (group & 63))) != 0;

    public static void NormalizeInPlace(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    /// <summary>
    /// Exact top-<paramref name="k"/> documents by best-window cosine with <paramref name="query"/>
    /// (unit length). <paramref name="allowed"/> (if given) is applied before ranking; the scan is split
    /// over cores by group ranges, each with its own heap, merged at the end. Ties go to the smaller
    /// doc id (<see cref="TopK"/>), so the result does not depend on where a document's group sits.
    /// </summary>
    public List<ScoredDoc> Search(ReadOnlySpan<float> query, int k, HashSet<long>? allowed = null, long? exclude = null)
    {
        if (query.Length != Dimension) throw new ArgumentException($"query vector has dimension {query.Length}, index has {Dimension}");
        var q = query.ToArray();
        if (Documents == 0) return new List<ScoredDoc>();
        int groups = _groups;
        int parts = Math.Min(Environment.ProcessorCount, Math.Max(1, Rows / 4096));
        if (parts == 1) return ScanGroups(q, k, allowed, exclude, 0, groups).ToSortedList();
        var heaps = new TopK[parts];
        Parallel.For(0, parts, p =>
            heaps[p] = ScanGroups(q, k, allowed, exclude, (int)((long)groups * p / parts), (int)((long)groups * (p + 1) / parts)));
        for (int p = 1; p < parts; p++) heaps[0].MergeFrom(heaps[p]);
        return heaps[0].ToSortedList();
    }

    private TopK ScanGroups(float[] q, int k, HashSet<long>? allowed, long? exclude, int from, int to)
    {
        var heap = new TopK(k);
        int dim = Dimension;
        for (int g = from; g < to; g++)
        {
            if (!IsLive(g)) continue;
            long doc = _groupDoc[g];
            if (allowed is not null && !allowed.Contains(doc)) continue;
            if (exclude == doc) continue;
            float best = float.NegativeInfinity;
            for (int row = _groupStart[g]; row < _groupStart[g + 1]; row++)
                best = Math.Max(best, TensorPrimitives.Dot(_data.AsSpan(row * dim, dim), q));
            heap.Offer(doc, best);
        }
        return heap;
    }

    /// <summary>The unit-length mean of a document's windows, or null if it has no vectors.</summary>
    public float[]? DocumentCentroid(long doc)
    {
        int g = FindGroup(doc);
        if (g < 0) return null;
        var sum = new float[Dimension];
        for (int row = _groupStart[g]; row < _groupStart[g + 1]; row++)
            TensorPrimitives.Add(sum, _data.AsSpan(row * Dimension, Dimension), sum);
        NormalizeInPlace(sum);
        return sum;
    }

    /// <summary>Every live document with its window vectors in window order (for checks and tools, not the hot path).</summary>
    public SortedDictionary<long, float[][]> DocumentRows()
    {
        var result = new SortedDictionary<long, float[][]>();
        for (int g = 0; g < _groups; g++)
        {
            if (!IsLive(g)) continue;
            int start = _groupStart[g], end = _groupStart[g + 1];
            var rows = new float[end - start][];
            for (int r = start; r < end; r++) rows[r - start] = _data.AsSpan(r * Dimension, Dimension).ToArray();
            result.Add(_groupDoc[g], rows);
        }
        return result;
    }

    // A linear scan over the group ids: only "more like this" needs it, and it scans every vector anyway.
    private int FindGroup(long doc)
    {
        for (int g = _groups - 1; g >= 0; g--)
            if (_groupDoc[g] == doc && IsLive(g)) return g;
        return -1;
    }
}
