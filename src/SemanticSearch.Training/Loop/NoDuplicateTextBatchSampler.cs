namespace SemanticSearch.Training.Loop;

/// <summary>
/// sentence-transformers' NoDuplicatesBatchSampler: a batch never holds the same text twice in any column. With
/// in-batch negatives a repeated text would be both an anchor's positive and another anchor's negative, which trains
/// the model against itself; the BANKING77 FAQ pairs have only 77 distinct positives, so this matters there.
/// Greedy over a seeded shuffle; an example that does not fit waits for a later batch. The epoch ends when a pass
/// over what is left cannot fill a batch (those examples are dropped for this epoch, as with drop_last).
/// </summary>
public static class NoDuplicateTextBatchSampler
{
    public static IReadOnlyList<int[]> Batches(TrainingExamples examples, int batchSize, int seed)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be positive");
        var pending = SeededShuffle.Indices(examples.Count, seed);
        var batches = new List<int[]>();
        while (pending.Count >= batchSize)
        {
            var batch = new List<int>(batchSize);
            var texts = new HashSet<string>(StringComparer.Ordinal);
            var left = new List<int>(pending.Count);
            foreach (int index in pending)
            {
                if (batch.Count == batchSize || examples.Columns.Any(c => texts.Contains(c[index]))) { left.Add(index); continue; }
                batch.Add(index);
                foreach (var column in examples.Columns) texts.Add(column[index]);
            }
            if (batch.Count < batchSize) break;
            batches.Add(batch.ToArray());
            pending = left;
        }
        return batches;
    }
}

/// <summary>Fisher–Yates over System.Random(seed): the same seed gives the same order on every platform and run.</summary>
public static class SeededShuffle
{
    public static List<int> Indices(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToList();
        var random = new Random(seed);
        for (int i = order.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
