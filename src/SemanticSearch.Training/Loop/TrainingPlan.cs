using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Loop;

/// <summary>One optimizer step: the epoch it belongs to and its micro-batches (example indices), whose gradients add up.</summary>
public sealed record PlannedStep(int Epoch, IReadOnlyList<int[]> MicroBatches)
{
    public int ExampleCount => MicroBatches.Sum(b => b.Length);
}

/// <summary>
/// Every optimizer step of a run, decided up front from the data and the seed alone. Knowing the whole plan gives the
/// exact total for the learning-rate schedule and the ETA, and makes resuming trivial: a checkpoint after step s
/// continues with step s+1 of the same plan, so an interrupted run takes exactly the batches an uninterrupted one does.
/// Epoch e is sampled with seed + e. Accumulation groups never span epochs; an epoch's last group may be shorter.
/// </summary>
public sealed class TrainingPlan
{
    private TrainingPlan(IReadOnlyList<PlannedStep> steps) => Steps = steps;

    public IReadOnlyList<PlannedStep> Steps { get; }

    /// <param name="noDuplicateTexts">MNRL-style losses: keep repeated texts out of one batch (in-batch negatives)</param>
    public static TrainingPlan Build(TrainingExamples examples, int epochs, int batchSize, int gradientAccumulation, int seed, bool noDuplicateTexts)
    {
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "must be at least 1");
        if (gradientAccumulation < 1) throw new ArgumentOutOfRangeException(nameof(gradientAccumulation), gradientAccumulation, "must be at least 1");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        if (batchSize > examples.Count)
            throw new ArgumentException($"batch size {batchSize} is larger than the {examples.Count} training examples");
        var steps = new List<PlannedStep>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            int epochSeed = unchecked(seed + epoch);
            var batches = examples.Triplets is not null
                ? NoSameIntentBatchSampler.Batches(examples.Triplets, batchSize, epochSeed, dropLast: true)
                : noDuplicateTexts
                    ? NoDuplicateTextBatchSampler.Batches(examples, batchSize, epochSeed)
                    : ShuffledBatches(examples.Count, batchSize, epochSeed);
            if (batches.Count == 0)
                throw new ArgumentException(
                    $"no full batch of {batchSize} can be formed from the {examples.Count} examples" +
                    (examples.Triplets is not null || noDuplicateTexts ? " without repeating a text or intent in a batch; use a smaller --batch-size" : ""));
            for (int start = 0; start < batches.Count; start += gradientAccumulation)
                steps.Add(new PlannedStep(epoch, batches.Skip(start).Take(gradientAccumulation).ToArray()));
        }
        return new TrainingPlan(steps);
    }

    /// <summary>Seeded shuffle cut into batches; the last, shorter batch is kept (torch's drop_last=False).</summary>
    private static List<int[]> ShuffledBatches(int count, int batchSize, int seed)
    {
        var order = SeededShuffle.Indices(count, seed);
        var batches = new List<int[]>();
        for (int start = 0; start < count; start += batchSize)
            batches.Add(order.GetRange(start, Math.Min(batchSize, count - start)).ToArray());
        return batches;
    }
}
