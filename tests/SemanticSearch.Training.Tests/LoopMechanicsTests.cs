using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Metrics;
using SemanticSearch.Training.Optimization;
using static SemanticSearch.Training.Tests.LoopTestData;

namespace SemanticSearch.Training.Tests;

/// <summary>FineTuner mechanics on the <see cref="LoopTestEncoder"/> test double: each test changes one setting and checks its effect.</summary>
public class LoopMechanicsTests
{
    private static FineTuneResult Train(LoopTestEncoder encoder, TrainingExamples data, FineTuneOptions options, TrainingEvaluator? evaluator = null,
        Action<TrainingProgress>? onReport = null) =>
        new FineTuner(encoder, data, options, evaluator).Run(onReport is null ? null : new SyncProgress(onReport));

    [Fact]
    public void AccumulatingTwoHalfBatchesEqualsOneFullBatch()
    {
        // CosineSimilarityLoss is a mean over rows, so 2 × (batch 4, weight ½) must give batch 8's gradient and update.
        var data = TrainingExamples.FromScoredPairs(ScoredPairs(8));
        var full = new LoopTestEncoder(8, seed: 3, dropout: 0);
        var accumulated = new LoopTestEncoder(8, seed: 3, dropout: 0);
        var common = new FineTuneOptions { OutputDirectory = TempDirectory(), Loss = TrainingLossKind.Cosine, LearningRate = 1e-3, WarmupRatio = 0, MaxGradNorm = 0, Epochs = 3 };
        var r1 = Train(full, data, common with { BatchSize = 8 });
        var r2 = Train(accumulated, data, common with { OutputDirectory = TempDirectory(), BatchSize = 4, GradientAccumulation = 2 });

        Assert.Equal(3, r1.Steps);
        Assert.Equal(3, r2.Steps);
        var a = full.Snapshot();
        var b = accumulated.Snapshot();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-5, $"weight {i}: {a[i]} vs {b[i]}");
        Assert.NotEqual(new LoopTestEncoder(8, seed: 3).Snapshot(), a); // training did change the weights
    }

    [Fact]
    public void LearningRateFollowsWarmupThenLinearDecay()
    {
        var data = AnchorPositive();
        var options = new FineTuneOptions { OutputDirectory = TempDirectory(), BatchSize = 6, Epochs = 2, LearningRate = 1e-2, WarmupRatio = 0.25 };
        var result = Train(new LoopTestEncoder(8, 1), data, options);

        var lrs = MetricsJsonlReader.Read(Path.Combine(options.OutputDirectory, FineTuner.MetricsFileName))
            .Where(r => r.Kind == "train").Select(r => r.Values.Single(v => v.Key == "lr").Value).ToList();
        int total = (int)result.TotalSteps, warmup = (int)Math.Ceiling(total * 0.25);
        Assert.Equal(total, lrs.Count);
        Assert.True(total >= 8, $"only {total} steps");
        var schedule = new LinearWarmupSchedule(1e-2, warmup, total);
        for (int k = 0; k < total; k++) Assert.Equal(schedule.LearningRate(k), lrs[k], 12);
        Assert.Equal(0, lrs[0]);                                   // first step of a warm-up runs at 0, as in transformers
        Assert.Equal(1e-2, lrs.Max(), 12);                          // peak at the end of warm-up
        Assert.True(lrs[^1] < 1e-2 / (total - warmup) + 1e-12);     // decayed to the last slot before 0
    }

    [Fact]
    public void ClippingShrinksTheUpdate()
    {
        // Adam is scale-invariant except for ε, so clip the gradient far below ε (1e-8): the step must nearly vanish.
        var data = TrainingExamples.FromScoredPairs(ScoredPairs(8));
        var start = new LoopTestEncoder(8, seed: 4, dropout: 0).Snapshot();
        var unclipped = new LoopTestEncoder(8, seed: 4, dropout: 0);
        var clipped = new LoopTestEncoder(8, seed: 4, dropout: 0);
        var options = new FineTuneOptions { OutputDirectory = TempDirectory(), Loss = TrainingLossKind.Cosine, BatchSize = 8, WarmupRatio = 0, LearningRate = 1e-2, MaxGradNorm = 0 };
        Train(unclipped, data, options);
        Train(clipped, data, options with { OutputDirectory = TempDirectory(), MaxGradNorm = 1e-12 });

        double moved = unclipped.Snapshot().Zip(start, (a, b) => Math.Abs(a - b)).Max();
        double movedClipped = clipped.Snapshot().Zip(start, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(moved > 5e-3, $"unclipped step moved {moved}");
        Assert.True(movedClipped < moved / 100, $"clipped step moved {movedClipped}, unclipped {moved}");
    }

    [Fact]
    public void NonFiniteStepsAreSkippedWithAWarning()
    {
        var pairs = AnchorPositive(2).Columns;
        var anchors = pairs[0].ToArray();
        anchors[0] = "poison " + anchors[0]; // one batch per epoch embeds as NaN
        var data = TrainingExamples.FromAnchorPositive(anchors.Zip(pairs[1], (a, p) => new Data.AnchorPositiveExample(a, p, null)).ToList());
        var warnings = new List<string>();
        var options = new FineTuneOptions { OutputDirectory = TempDirectory(), BatchSize = 4, Epochs = 2, LearningRate = 1e-2 };
        var encoder = new LoopTestEncoder(8, 2);
        var result = Train(encoder, data, options, onReport: p => { if (p.Kind == TrainingEventKind.Warning) warnings.Add(p.Message!); });

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("step skipped", w));
        var records = MetricsJsonlReader.Read(Path.Combine(options.OutputDirectory, FineTuner.MetricsFileName));
        Assert.Equal(2, records.Count(r => r.Values.Any(v => v.Key == "skipped")));
        Assert.All(encoder.Snapshot(), w => Assert.True(float.IsFinite(w)));
    }

    [Fact]
    public void ConsecutiveNonFiniteStepsStopTheRun()
    {
        var data = TrainingExamples.FromAnchorPositive(Enumerable.Range(0, 12)
            .Select(i => new Data.AnchorPositiveExample($"poison {i}", $"other {i}", null)).ToList());
        var options = new FineTuneOptions { OutputDirectory = TempDirectory(), BatchSize = 2, MaxConsecutiveNonFiniteSteps = 3 };
        var e = Assert.Throws<TrainingDivergedException>(() => Train(new LoopTestEncoder(8, 2), data, options));
        Assert.Contains("3 consecutive steps", e.Message);
        var records = MetricsJsonlReader.Read(Path.Combine(options.OutputDirectory, FineTuner.MetricsFileName));
        Assert.Equal(3, records.Count);
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, FineTuner.ChartFileName)));
        Assert.False(File.Exists(Path.Combine(options.OutputDirectory, "test-encoder.bin"))); // no model from a failed run
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestEvaluatedWeights()
    {
        // The evaluator's gold scores are the training scores reversed: learning the task makes it worse.
        var data = TrainingExamples.FromScoredPairs(ScoredPairs(24));
        var evaluator = SimilarityEvaluator(ScoredPairs(24, reversed: true));
        var encoder = new LoopTestEncoder(8, seed: 5, dropout: 0);
        var weightsAt = new Dictionary<long, float[]>();
        var options = new FineTuneOptions
        {
            OutputDirectory = TempDirectory(), Loss = TrainingLossKind.Cosine, BatchSize = 8, Epochs = 20, LearningRate = 3e-2,
            WarmupRatio = 0, EvalSteps = 1, EarlyStoppingPatience = 2,
        };
        var result = Train(encoder, data, options, evaluator, p => { if (p.Kind == TrainingEventKind.Evaluation && p.TotalSteps == 0) weightsAt[p.Step] = encoder.Snapshot(); });

        Assert.Equal(TrainingOutcome.EarlyStopped, result.Outcome);
        Assert.True(result.Steps < result.TotalSteps);
        Assert.NotNull(result.BestStep);
        Assert.True(result.BestStep < result.Steps, $"best at {result.BestStep}, stopped at {result.Steps}");
        Assert.Equal(weightsAt[result.BestStep!.Value], encoder.Snapshot());
        Assert.Equal(result.BestMetric!.Value, result.After!["spearman_cosine"], 6);
        Assert.False(Directory.Exists(Path.Combine(options.OutputDirectory, FineTuner.CheckpointFolderName))); // cleaned up after success
    }

    [Fact]
    public void GradCacheGivesTheFullBatchUpdate()
    {
        var data = AnchorPositive();
        var options = new FineTuneOptions { OutputDirectory = TempDirectory(), BatchSize = 8, LearningRate = 1e-3, WarmupRatio = 0 };
        var plain = new LoopTestEncoder(8, seed: 6, dropout: 0);
        var cached = new LoopTestEncoder(8, seed: 6, dropout: 0);
        Train(plain, data, options);
        Train(cached, data, options with { OutputDirectory = TempDirectory(), MiniBatchSize = 3 });
        var a = plain.Snapshot();
        var b = cached.Snapshot();
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-5, $"weight {i}: {a[i]} vs {b[i]}");

        // With dropout the replayed forwards must reproduce pass 1 exactly (GradientCache.VerifyReproduced throws otherwise).
        var withDropout = new LoopTestEncoder(8, seed: 6, dropout: 0.2f);
        Train(withDropout, data, options with { OutputDirectory = TempDirectory(), MiniBatchSize = 3 });
        Assert.NotEqual(a, withDropout.Snapshot());
    }

    [Fact]
    public void BatchLargerThanTheDataIsRefused()
    {
        var data = TrainingExamples.FromScoredPairs(ScoredPairs(5));
        var options = new FineTuneOptions { OutputDirectory = TempDirectory(), Loss = TrainingLossKind.Cosine, BatchSize = 6 };
        var e = Assert.Throws<ArgumentException>(() => Train(new LoopTestEncoder(4, 1), data, options));
        Assert.Contains("batch size 6 is larger than the 5 training examples", e.Message);
    }

    [Fact]
    public void NoDuplicateSamplerKeepsRepeatedPositivesOutOfOneBatch()
    {
        // 40 anchors share 5 positives (like the FAQ pairs' 77): a batch may hold each positive once.
        var data = TrainingExamples.FromAnchorPositive(Enumerable.Range(0, 40)
            .Select(i => new Data.AnchorPositiveExample($"question {i}", $"answer {i % 5}", null)).ToList());
        var plan = TrainingPlan.Build(data, epochs: 1, batchSize: 5, gradientAccumulation: 1, seed: 1, noDuplicateTexts: true);
        Assert.Equal(8, plan.Steps.Count);
        foreach (var step in plan.Steps)
            Assert.Equal(5, step.MicroBatches[0].Select(i => data.Columns[1][i]).Distinct().Count());
        Assert.Throws<ArgumentException>(() => TrainingPlan.Build(data, 1, 6, 1, 1, noDuplicateTexts: true));
    }

    [Fact]
    public void FrozenEmbeddingsDoNotChange()
    {
        var encoder = new LoopTestEncoder(8, seed: 7);
        var before = encoder.Snapshot();
        Train(encoder, AnchorPositive(), new FineTuneOptions { OutputDirectory = TempDirectory(), BatchSize = 8, LearningRate = 1e-2, FreezeEmbeddings = true });
        var after = encoder.Snapshot();
        int words = LoopTestEncoder.Buckets * 8;
        Assert.Equal(before[..words], after[..words]);
        Assert.NotEqual(before[words..], after[words..]);
    }
}
