using System.Collections.Concurrent;

namespace SemanticSearch.Index.Search;

/// <summary>
/// An immutable snapshot of the FTS5 table as an in-memory inverted index, ranking exactly like
/// FTS5's <c>bm25(fts, 2.0, 1.0)</c> (sqlite/ext/fts5/fts5_aux.c): k1 = 1.2, b = 0.75,
/// idf = ln((N − n + 0.5) / (n + 0.5)), set to 1e-6 when ≤ 0; per phrase f = Σ column weight × count;
/// D = the row's tokens over all columns (FTS5's docsize), avgdl = FTS5's total tokens / N (its
/// averages record); score = Σ over the query's phrases, in order, of idf·f·(k1+1)/(f + k1·(1 − b + b·D/avgdl)).
/// The same operations in the same order in doubles give bit-identical scores, so ties (broken by
/// rowid, like ORDER BY bm25, rowid) come out the same too.
///
/// Storage mirrors <see cref="VectorMatrix"/>: documents live in slots of an append-only arena shared
/// between snapshots; a changed document gets a new slot and its old one a tombstone in this
/// snapshot's copy of the live bitmap; each term's postings (slot, per-column count) are appended
/// past the lengths any published snapshot reads. Term ids come from a concurrent dictionary that only
/// grows (a term id past this snapshot's term count is a term this snapshot does not have).
/// </summary>
public sealed class KeywordPostings
{
    public const double K1 = 1.2, B = 0.75;

    /// <summary>The index generation this snapshot was read at.</summary>
    public long Generation { get; }
    /// <summary>Position in the index's document change log at this snapshot (null: the index has no log).</summary>
    public long? LogSequence { get; }
    /// <summary>True when made by applying logged changes to an earlier snapshot, not by a full load.</summary>
    public bool Incremental { get; }
    /// <summary>FTS5's row count (N).</summary>
    public long RowCount { get; }
    /// <summary>FTS5's total token count over all rows and columns.</summary>
    public long TotalTokens { get; }
    /// <summary>Live documents held.</summary>
    public int Documents { get; }
    /// <summary>Slots of replaced or deleted documents whose postings are still held (reclaimed by a reload).</summary>
    public int DeadSlots { get; }
    /// <summary>Postings entries held, live and dead.</summary>
    public long Postings { get; }

    internal readonly int Columns;
    private readonly ConcurrentDictionary<string, int> _termIds;
    private readonly int _termCount;
    private readonly int[][] _slots;      // per term id: the slots holding it, in append order
    private readonly int[][] _counts;     // per term id: Columns counts per posting
    private readonly int[] _lengths;      // per term id: postings visible to this snapshot
    private readonly long[] _slotDoc;     // rowid of each slot
    private readonly int[] _slotTokens;   // D of each slot
    private readonly int _slotCount;
    private readonly ulong[] _live;       // bit s set: slot s is a live document

    internal KeywordPostings(long generation, long? logSequence, bool incremental, long rowCount, long totalTokens, int columns,
        ConcurrentDictionary<string, int> termIds, int termCount, int[][] slots, int[][] counts, int[] lengths,
        long[] slotDoc, int[] slotTokens, int slotCount, ulong[] live, int documents, int deadSlots, long postings)
    {
        Generation = generation; LogSequence = logSequence; Incremental = incremental; RowCount = rowCount; TotalTokens = totalTokens;
        Columns = columns; _termIds = termIds; _termCount = termCount; _slots = slots; _counts = counts; _lengths = lengths;
        _slotDoc = slotDoc; _slotTokens = slotTokens; _slotCount = slotCount; _live = live;
        Documents = documents; DeadSlots = deadSlots; Postings = postings;
    }

    /// <summary>The same postings published at a later generation that changed no document's content.</summary>
    internal KeywordPostings At(long generation, long? logSequence, long rowCount, long totalTokens) =>
        new(generation, logSequence, true, rowCount, totalTokens, Columns, _termIds, _termCount, _slots, _counts, _lengths,
            _slotDoc, _slotTokens, _slotCount, _live, Documents, DeadSlots, Postings);

    private bool IsLive(int slot) => (_live[slot >> 6] & (1UL << (slot & 63))) != 0;

    private double[]? _lengthNorms; // per slot: k1·(1 − b + b·D/avgdl), made on first search

    /// <summary>
    /// The length part of each slot's bm25 denominator under this snapshot's avgdl. FTS5 evaluates it
    /// as its own subexpression before adding f, so computing it once gives the very same double.
    /// </summary>
    private double[] LengthNorms(double avgdl)
    {
        if (Volatile.Read(ref _lengthNorms) is { } made) return made;
        var norms = new double[_slotCount];
        for (int slot = 0; slot < _slotCount; slot++) norms[slot] = K1 * (1 - B + B * (double)_slotTokens[slot] / avgdl);
        Volatile.Write(ref _lengthNorms, norms); // racing first searches make identical arrays
        return norms;
    }

    [ThreadStatic] private static double[]? t_scores;
    [ThreadStatic] private static int[]? t_touched;

    /// <summary>
    /// Top-<paramref name="k"/> documents for the OR of <paramref name="phraseTerms"/> (one FTS5 token
    /// per query phrase, in the query's phrase order; a token may repeat, as in FTS5 two phrases can
    /// be the same term), with FTS5's bm25 under <paramref name="weights"/> (one per column, missing
    /// ones 1.0), higher is better. <paramref name="allowed"/> restricts the candidates before the top-k.
    /// Term at a time: each phrase adds its contribution to a per-slot score array, then one pass over
    /// the touched slots fills a heap. Phrases whose idf is clamped (in at least half the rows) are
    /// left out of that pass when other phrases exist and looked up only for documents within reach of
    /// the k-th best (<see cref="ExactTopAmongNear"/>).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public List<ScoredDoc> Search(IReadOnlyList<string> phraseTerms, int k, IReadOnlyList<double> weights, HashSet<long>? allowed)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k));
        var w = new double[Columns];
        for (int c = 0; c < Columns; c++) w[c] = c < weights.Count ? weights[c] : 1.0;
        double n = RowCount, avgdl = (double)TotalTokens / n;
        var norms = LengthNorms(avgdl);
        // Per phrase: term id (-1: no live row has it, so it adds idf·0 to every row) and idf.
        var phrases = new (int Id, double Idf, bool Clamped)[phraseTerms.Count];
        bool anyClamped = false, anyOther = false;
        double clampedBound = 0;
        for (int p = 0; p < phrases.Length; p++)
        {
            phrases[p] = (-1, 0, false);
            if (!_termIds.TryGetValue(phraseTerms[p], out int id) || id >= _termCount) continue;
            long hits = LiveHits(id);
            if (hits == 0) continue;
            double idf = Math.Log((n - hits + 0.5) / (hits + 0.5));
            bool clamped = idf <= 0.0;
            if (clamped) { idf = 1e-6; clampedBound += idf * (K1 + 1.0); anyClamped = true; }
            else anyOther = true;
            phrases[p] = (id, idf, clamped);
        }
        var scores = t_scores is { } s && s.Length >= _slotCount ? s : t_scores = new double[Math.Max(_slotCount, 1024)];
        var touched = t_touched is { } t && t.Length >= _slotCount ? t : t_touched = new int[Math.Max(_slotCount, 1024)];
        int touchedCount = 0;
        try
        {
            if (anyClamped && anyOther)
            {
                // Terms in at least half the rows (idf clamped to 1e-6: "how", "do", "i") are most of the
                // postings but add < 2.2e-6 each. Rank by the other phrases first; only documents that
                // could still reach the k-th best with every clamped phrase added are scored exactly.
                foreach (var phrase in phrases)
                    if (phrase.Id >= 0 && !phrase.Clamped) Accumulate(phrase.Id, phrase.Idf, w, norms, scores, touched, ref touchedCount);
                var pruned = ExactTopAmongNear(phrases, clampedBound, k, w, norms, scores, touched, touchedCount, allowed);
                if (pruned is not null) return pruned;
                for (int i = 0; i < touchedCount; i++) scores[touched[i]] = 0;
                touchedCount = 0;
            }
            foreach (var phrase in phrases)
                if (phrase.Id >= 0) Accumulate(phrase.Id, phrase.Idf, w, norms, scores, touched, ref touchedCount);
            return TopOf(scores, touched, touchedCount, k, allowed);
        }
        finally
        {
            for (int i = 0; i < touchedCount; i++) scores[touched[i]] = 0;
        }
    }

    private long LiveHits(int id)
    {
        int length = _lengths[id];
        if (DeadSlots == 0) return length;
        int[] slots = _slots[id];
        long hits = 0;
        for (int j = 0; j < length; j++) if (IsLive(slots[j])) hits++;
        return hits;
    }

    /// <summary>One phrase's bm25 term, FTS5's expression: idf·(f·(k1+1))/(f + k1·(1 − b + b·D/avgdl)).</summary>
    private static double Contribution(double idf, double f, double lengthNorm) => idf * ((f * (K1 + 1.0)) / (f + lengthNorm));

    // FTS5 adds the column weight once per instance; with whole-number weights (2.0, 1.0) weight × count
    // is the same double.
    private double Frequency(int[] counts, int posting, double[] w)
    {
        double f = 0;
        for (int c = 0; c < Columns; c++) f += w[c] * counts[posting * Columns + c];
        return f;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(int id, double idf, double[] w, double[] norms, double[] scores, int[] touched, ref int touchedCount)
    {
        int length = _lengths[id];
        int[] slots = _slots[id], counts = _counts[id];
        for (int j = 0; j < length; j++)
        {
            int slot = slots[j];
            if (DeadSlots > 0 && !IsLive(slot)) continue;
            double contribution = Contribution(idf, Frequency(counts, j, w), norms[slot]);
            if (scores[slot] == 0) touched[touchedCount++] = slot; // every contribution is > 0
            scores[slot] += contribution;
        }
    }

    /// <summary>
    /// With <paramref name="scores"/> holding the unclamped phrases only: the k-th best partial score θ
    /// (over allowed documents); every document whose partial score plus <paramref name="clampedBound"/>
    /// reaches θ (with a relative margin far above rounding) is scored exactly, in phrase order, by
    /// looking its term frequencies up (postings are in slot order); the best k of those by (score,
    /// rowid) are the answer. Null when fewer than k documents have an unclamped phrase or θ is within
    /// reach of documents that only have clamped ones: the caller then scores everything.
    /// </summary>
    private List<ScoredDoc>? ExactTopAmongNear((int Id, double Idf, bool Clamped)[] phrases, double clampedBound, int k,
        double[] w, double[] norms, double[] scores, int[] touched, int touchedCount, HashSet<long>? allowed)
    {
        var partial = TopOf(scores, touched, touchedCount, k, allowed);
        if (partial.Count < k) return null;
        const double Margin = 1e-9;
        double theta = partial[^1].Score;
        double reach = clampedBound * (1 + Margin) + theta * Margin;
        if (clampedBound * (1 + Margin) >= theta * (1 - Margin)) return null;
        var heap = new PriorityQueue<long, (double Score, long Doc)>(k + 1, WorstFirst.Instance);
        for (int i = 0; i < touchedCount; i++)
        {
            int slot = touched[i];
            if (scores[slot] + reach < theta) continue;
            long doc = _slotDoc[slot];
            if (allowed is not null && !allowed.Contains(doc)) continue;
            double exact = 0;
            foreach (var (id, idf, _) in phrases)
            {
                if (id < 0) continue;
                int j = Array.BinarySearch(_slots[id], 0, _lengths[id], slot);
                if (j >= 0) exact += Contribution(idf, Frequency(_counts[id], j, w), norms[slot]);
            }
            var entry = (exact, doc);
            if (heap.Count < k) heap.Enqueue(doc, entry);
            else if (heap.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare(entry, worst) > 0) heap.DequeueEnqueue(doc, entry);
        }
        var result = new List<ScoredDoc>(heap.Count);
        while (heap.TryDequeue(out long d, out var p)) result.Add(new ScoredDoc(d, p.Score));
        result.Reverse();
        return result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private List<ScoredDoc> TopOf(double[] scores, int[] touched, int touchedCount, int k, HashSet<long>? allowed)
    {
        // Min-heap on (score, then larger rowid first): the root is the worst of the best k.
        var heap = new PriorityQueue<long, (double Score, long Doc)>(Math.Min(k, touchedCount) + 1, WorstFirst.Instance);
        double worstScore = double.NegativeInfinity; // of the heap's root once the heap is full
        for (int i = 0; i < touchedCount; i++)
        {
            int slot = touched[i];
            double score = scores[slot];
            if (score < worstScore) continue; // cannot enter: most candidates stop here
            long doc = _slotDoc[slot];
            if (allowed is not null && !allowed.Contains(doc)) continue;
            var entry = (score, doc);
            if (heap.Count < k) heap.Enqueue(doc, entry);
            else if (heap.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare(entry, worst) > 0) heap.DequeueEnqueue(doc, entry);
            if (heap.Count == k) { heap.TryPeek(out _, out var root); worstScore = root.Score; }
        }
        var result = new List<ScoredDoc>(heap.Count);
        while (heap.TryDequeue(out long doc, out var p)) result.Add(new ScoredDoc(doc, p.Score));
        result.Reverse();
        return result;
    }

    private sealed class WorstFirst : IComparer<(double Score, long Doc)>
    {
        public static readonly WorstFirst Instance = new();
        public int Compare((double Score, long Doc) a, (double Score, long Doc) b)
        {
            int c = a.Score.CompareTo(b.Score);
            return c != 0 ? c : b.Doc.CompareTo(a.Doc);
        }
    }

    /// <summary>Approximate bytes held by the arrays this snapshot reads (shared arena included).</summary>
    public long ApproximateBytes()
    {
        long bytes = (long)_slotDoc.Length * 8 + (long)_slotTokens.Length * 4 + (long)_live.Length * 8 + (long)_lengths.Length * 4 + (long)_termCount * 2 * 24;
        for (int t = 0; t < _termCount; t++) bytes += (long)_slots[t].Length * 4 + (long)_counts[t].Length * 4;
        return bytes;
    }
}
