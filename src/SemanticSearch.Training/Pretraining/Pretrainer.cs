using System.Diagnostics;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Metrics;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Pretraining;

/// <summary>Settings of a masked-language-model pretraining run (defaults: BERT's masking, a small-corpus learning rate).</summary>
public sealed record PretrainOptions
{
    public required string OutputDirectory { get; init; }
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-4;
    public double WarmupRatio { get; init; } = 0.1;
    public double WeightDecay { get; init; } = 0.01;
    public double MaxGradNorm { get; init; } = 1.0;
    public double MaskProbability { get; init; } = 0.15;
    public int Seed { get; init; } = 42;
    public int MaxConsecutiveNonFiniteSteps { get; init; } = 5;
}

/// <summary>
/// Masked-language-model pretraining (continued pretraining of any loaded BERT): seeded shuffled batches per epoch,
/// fresh 80/10/10 masks per step from a seeded RNG, AdamW (no decay on bias/LayerNorm) with linear warm-up/decay,
/// global-norm clipping and the NaN/Inf guard. Writes metrics.jsonl, training-chart.svg and the model with its head.
/// </summary>
public sealed class Pretrainer
{
    private readonly IMaskedLanguageModel _model;
    private readonly IReadOnlyList<string> _corpus;
    private readonly PretrainOptions _options;

    public Pretrainer(IMaskedLanguageModel model, IReadOnlyList<string> corpus, PretrainOptions options)
    {
        if (options.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {options.BatchSize}");
        if (options.BatchSize > corpus.Count) throw new ArgumentException($"batch size {options.BatchSize} is larger than the {corpus.Count} corpus texts");
        if (options.Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {options.Epochs}");
        _model = model;
        _corpus = corpus;
        _options = options;
    }

    public string MetricsPath => Path.Combine(_options.OutputDirectory, FineTuner.MetricsFileName);

    /// <returns>Mean loss of the first and of the last epoch.</returns>
    public (double FirstEpochLoss, double LastEpochLoss) Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(_options.OutputDirectory);
        var ids = _model.Tokenize(_corpus).Where(s => s.Length > 2).ToArray(); // [CLS] [SEP] alone has nothing to predict
        if (ids.Length < _options.BatchSize) throw new ArgumentException($"only {ids.Length} corpus texts have tokens; batch size is {_options.BatchSize}");
        var sampler = new MaskedTokenSampler(_model.VocabSize, _model.MaskTokenId, _model.SpecialTokenIds, _options.MaskProbability);
        var parameters = _model.TrainableParameters;
        var optimizer = new AdamW(WeightDecayGrouping.Split(parameters, _options.WeightDecay));
        int perEpoch = ids.Length / _options.BatchSize, total = perEpoch * _options.Epochs; // drop_last: equal-sized batches
        var schedule = new LinearWarmupSchedule(_options.LearningRate, (int)Math.Ceiling(total * _options.WarmupRatio), total);
        var maskRandom = new Random(_options.Seed);
        var epochLosses = new List<double>[_options.Epochs];
        var clock = Stopwatch.StartNew();
        int consecutiveBad = 0;
        long step = 0, texts = 0;
        using (var metrics = MetricsJsonlWriter.Open(MetricsPath))
        {
            for (int epoch = 0; epoch < _options.Epochs; epoch++)
            {
                epochLosses[epoch] = [];
                var order = SeededShuffle.Indices(ids.Length, unchecked(_options.Seed + epoch));
                for (int b = 0; b < perEpoch; b++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var masked = order.GetRange(b * _options.BatchSize, _options.BatchSize).Select(i => sampler.Mask(ids[i], maskRandom)).ToList();
                    foreach (var p in parameters) Array.Clear(p.Gradients);
                    double loss = _model.Forward(masked.Select(m => m.Inputs).ToList(), masked.Select(m => m.Labels).ToList(), training: true);
                    double lr = schedule.LearningRate(step);
                    step++;
                    if (double.IsFinite(loss)) _model.Backward();
                    var bad = double.IsFinite(loss) ? NonFiniteGradientCheck.FindFirst(parameters) : null;
                    if (!double.IsFinite(loss) || bad is not null)
                    {
                        string what = bad?.ToString() ?? $"loss is {loss}";
                        metrics.Write(MetricsRecord.Of(step, "train", ("mlm_loss", loss), ("lr", lr), ("skipped", 1)));
                        progress?.Report(new TrainingProgress(TrainingEventKind.Warning, step, total, epoch, loss, lr, double.NaN, double.NaN, null, null, $"step {step}: {what}; step skipped"));
                        if (++consecutiveBad >= _options.MaxConsecutiveNonFiniteSteps)
                            throw new TrainingDivergedException($"pretraining diverged: {consecutiveBad} consecutive non-finite steps (last at step {step}: {what}); lower --lr");
                        continue;
                    }
                    consecutiveBad = 0;
                    double norm = GradientClipping.ClipGlobalNorm(parameters, _options.MaxGradNorm > 0 ? _options.MaxGradNorm : double.PositiveInfinity);
                    optimizer.Step(lr);
                    epochLosses[epoch].Add(loss);
                    texts += _options.BatchSize;
                    metrics.Write(MetricsRecord.Of(step, "train", ("mlm_loss", loss), ("lr", lr), ("grad_norm", norm), ("epoch", epoch)));
                    double seconds = clock.Elapsed.TotalSeconds;
                    progress?.Report(new TrainingProgress(TrainingEventKind.Step, step, total, epoch, loss, lr, norm, texts / Math.Max(seconds, 1e-9),
                        TimeSpan.FromSeconds(seconds / step * (total - step))));
                }
            }
        }
        _model.SaveModel(_options.OutputDirectory);
        File.WriteAllText(Path.Combine(_options.OutputDirectory, FineTuner.ChartFileName), MetricsSvgChart.Render(MetricsJsonlReader.Read(MetricsPath)));
        static double Mean(List<double> l) => l.Count > 0 ? l.Average() : double.NaN;
        return (Mean(epochLosses[0]), Mean(epochLosses[^1]));
    }
}
