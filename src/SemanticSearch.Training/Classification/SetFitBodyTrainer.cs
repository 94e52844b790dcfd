using SemanticSearch.Model;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// SetFit's first stage: contrastive fine-tuning of the encoder ("body") on sentence pairs derived from the labels,
/// with CosineSimilarityLoss — same label → target cosine 1, different labels → 0 — through the fine-tuning loop
/// (<see cref="FineTuner"/>: AdamW, warm-up, clipping, NaN guard). The head is then trained in frozen mode on the
/// new embeddings (second stage, done by the caller). Pair generation follows setfit's sentence_pairs_generation:
/// each of R iterations gives every participating text one positive partner (another text of its label when there
/// is one) and one negative partner (a text of another label), drawn from a seeded RNG.
/// </summary>
public static class SetFitBodyTrainer
{
    public static List<ScoredPairExample> GeneratePairs(IReadOnlyList<string> texts, int[] labels, int iterations, int samplesPerClass, int seed)
    {
        if (texts.Count != labels.Length) throw new ArgumentException($"{texts.Count} texts but {labels.Length} labels");
        var random = new Random(seed);
        var byLabel = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (!byLabel.TryGetValue(labels[i], out var list)) byLabel[labels[i]] = list = [];
            list.Add(i);
        }
        if (byLabel.Count < 2) throw new ArgumentException("SetFit pairs need at least two labels (negatives are texts of another label)");
        if (samplesPerClass > 0)
            foreach (var list in byLabel.Values)
            {
                random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
                if (list.Count > samplesPerClass) list.RemoveRange(samplesPerClass, list.Count - samplesPerClass);
            }
        var members = byLabel.Values.SelectMany(l => l).Order().ToList();
        var pairs = new List<ScoredPairExample>(iterations * members.Count * 2);
        for (int r = 0; r < iterations; r++)
            foreach (int i in members)
            {
                var same = byLabel[labels[i]];
                int positive = i; // a class with one text pairs it with itself, as setfit does
                if (same.Count > 1) do positive = same[random.Next(same.Count)]; while (positive == i);
                pairs.Add(new ScoredPairExample(texts[i], texts[positive], 1f));
                int negative;
                do negative = members[random.Next(members.Count)]; while (labels[negative] == labels[i]);
                pairs.Add(new ScoredPairExample(texts[i], texts[negative], 0f));
            }
        return pairs;
    }

    /// <summary>
    /// Fine-tunes <paramref name="encoder"/> in place; the loop's metrics.jsonl, chart and resume checkpoints (every
    /// <paramref name="checkpointSteps"/> steps and on cancellation) are in <paramref name="workDirectory"/>.
    /// </summary>
    public static FineTuneResult Train(SentenceEncoder encoder, IReadOnlyList<ScoredPairExample> pairs, HeadTrainingOptions options,
        EncoderTrainingOptions encoderOptions, string workDirectory, TextWriter log, int checkpointSteps = 0, bool resume = false,
        CancellationToken cancellation = default)
    {
        encoderOptions.Validate();
        int layers = encoder.Transformer.Config.NumHiddenLayers;
        if (encoderOptions.FreezeLayers > layers)
            throw new ArgumentException($"--freeze-layers {encoderOptions.FreezeLayers}: the encoder has only {layers} layers");
        var used = encoderOptions.MaxSteps > 0 ? pairs.Take(encoderOptions.MaxSteps * encoderOptions.SetFitBatchSize).ToList() : pairs;
        log.WriteLine($"setfit: contrastive stage on {used.Count} pairs ({used.Count(p => p.Score > 0)} positive), batch {encoderOptions.SetFitBatchSize}, " +
                      $"lr {encoderOptions.EncoderLearningRate:G3}, CosineSimilarityLoss");
        var graph = new TrainingGraphOptions
        {
            HiddenDropout = encoderOptions.HiddenDropout, AttentionDropout = encoderOptions.AttentionDropout, Seed = (ulong)options.Seed,
        };
        var body = encoderOptions.SetFitBackend?.Invoke(encoder, graph) ?? new ManagedTrainingBackend(new BertFineTunableEncoder(encoder, graph));
        var fineTune = new FineTuneOptions
        {
            OutputDirectory = workDirectory, Loss = TrainingLossKind.Cosine, Epochs = 1, BatchSize = encoderOptions.SetFitBatchSize,
            LearningRate = encoderOptions.EncoderLearningRate, WarmupRatio = encoderOptions.WarmupRatio, WeightDecay = options.WeightDecay,
            MaxGradNorm = encoderOptions.MaxGradNorm, FreezeLayers = encoderOptions.FreezeLayers, FreezeEmbeddings = encoderOptions.FreezeLayers > 0,
            CheckpointSteps = checkpointSteps, Resume = resume, Seed = options.Seed, EvaluationBatchSize = encoderOptions.EncodeBatchSize,
        };
        FineTuneResult result;
        try { result = new FineTuner(body, TrainingExamples.FromScoredPairs(used), fineTune).Run(new LogProgress(log), cancellation); }
        finally { (body as IDisposable)?.Dispose(); }
        encoder.InvalidateFingerprint();
        return result;
    }

    /// <summary>Writes every ~5 % of the steps to the log (synchronously: Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class LogProgress(TextWriter log) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Kind == TrainingEventKind.Step && p.Step % Math.Max(1, p.TotalSteps / 20) != 0 && p.Step != p.TotalSteps) return;
            log.WriteLine(p.Kind == TrainingEventKind.Step
                ? $"setfit step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} lr {p.LearningRate:G3} {p.ExamplesPerSecond:F1} pairs/s ETA {p.Eta:hh\\:mm\\:ss}"
                : $"setfit: {p.Message}");
        }
    }
}
