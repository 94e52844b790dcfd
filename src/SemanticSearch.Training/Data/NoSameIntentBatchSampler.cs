namespace SemanticSearch.Training.Data;

/// <summary>
/// Batches triples so that no in-batch negative shares its anchor's intent, in the spirit of sentence-transformers'
/// NoDuplicatesBatchSampler (which only compares texts). For anchor i every other candidate — positive j and
/// negative j of each triple in the batch — must be of another intent, which holds exactly when
///   • all anchor intents in the batch are distinct, and
///   • no triple's negative intent equals any anchor intent in the batch.
/// Greedy, like the library: walk the seeded shuffle, take each triple that fits, leave the rest for later batches.
/// </summary>
public static class NoSameIntentBatchSampler
{
    /// <returns>Batches of indices into <paramref name="triplets"/>; with dropLast, batches that cannot be filled are dropped.</returns>
    public static IReadOnlyList<int[]> Batches(IReadOnlyList<IntentTriplet> triplets, int batchSize, int seed, bool dropLast = true)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        var pending = Enumerable.Range(0, triplets.Count).ToList();
        var random = new Random(seed);
        for (int i = pending.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (pending[i], pending[j]) = (pending[j], pending[i]);
        }

        var batches = new List<int[]>();
        while (pending.Count > 0)
        {
            var batch = new List<int>(batchSize);
            var anchorIntents = new HashSet<string>(StringComparer.Ordinal);
            var negativeIntents = new HashSet<string>(StringComparer.Ordinal);
            var left = new List<int>(pending.Count);
            foreach (int index in pending)
            {
                var t = triplets[index];
                bool fits = batch.Count < batchSize
                    && !anchorIntents.Contains(t.AnchorIntent)
                    && !negativeIntents.Contains(t.AnchorIntent)
                    && !anchorIntents.Contains(t.NegativeIntent);
                if (!fits) { left.Add(index); continue; }
                batch.Add(index);
                anchorIntents.Add(t.AnchorIntent);
                negativeIntents.Add(t.NegativeIntent);
            }
            pending = left;
            if (batch.Count == batchSize) batches.Add(batch.ToArray());
            else if (dropLast) break; // a greedy pass over everything left could not fill one: end the epoch here
            else batches.Add(batch.ToArray());
        }
        return batches;
    }

    /// <summary>A description of the first same-intent in-batch negative in <paramref name="batch"/>, or null.</summary>
    public static string? FindConflict(IReadOnlyList<IntentTriplet> triplets, IReadOnlyList<int> batch)
    {
        foreach (int i in batch)
            foreach (int j in batch)
            {
                if (i == j) continue;
                var a = triplets[i];
                var b = triplets[j];
                if (a.AnchorIntent == b.AnchorIntent) return $"triples {i} and {j} both have anchor intent '{a.AnchorIntent}'";
                if (a.AnchorIntent == b.NegativeIntent) return $"negative of triple {j} has the intent '{a.AnchorIntent}' of anchor {i}";
            }
        return null;
    }
}
