namespace SemanticSearch.Index.Search;

/// <summary>
/// Keeps the k best documents seen so far in a min-heap (root = current worst), so scanning n
/// candidates costs O(n log k) and O(k) memory. Ties are broken towards the smaller doc id so
/// results are deterministic regardless of scan order or thread scheduling.
/// </summary>
public sealed class TopK
{
    private readonly int _k;
    private readonly PriorityQueue<long, (float Score, long Doc)> _heap;

    private sealed class WorstFirst : IComparer<(float Score, long Doc)>
    {
        public int Compare((float Score, long Doc) a, (float Score, long Doc) b)
        {
            int c = a.Score.CompareTo(b.Score);
            return c != 0 ? c : b.Doc.CompareTo(a.Doc);
        }
    }

    private static readonly WorstFirst Comparer = new();

    public TopK(int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k));
        _k = k;
        _heap = new PriorityQueue<long, (float, long)>(Math.Min(k, 4096) + 1, Comparer);
    }

    public int Count => _heap.Count;

    public void Offer(long doc, float score)
    {
        if (float.IsNaN(score)) return;
        if (_heap.Count < _k) { _heap.Enqueue(doc, (score, doc)); return; }
        _heap.TryPeek(out _, out var worst);
        if (Comparer.Compare((score, doc), worst) > 0) _heap.DequeueEnqueue(doc, (score, doc));
    }

    public void MergeFrom(TopK other)
    {
        foreach (var (doc, (score, _)) in other._heap.UnorderedItems) Offer(doc, score);
    }

    /// <summary>Best first.</summary>
    public List<ScoredDoc> ToSortedList() =>
        _heap.UnorderedItems.Select(e => e.Priority)
            .OrderByDescending(p => p.Score).ThenBy(p => p.Doc)
            .Select(p => new ScoredDoc(p.Doc, p.Score)).ToList();
}
