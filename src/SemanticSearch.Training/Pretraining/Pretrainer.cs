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
    /// <summary>Write the resume checkpoint (OUTPUT/checkpoints/last) every N steps; 0: only when cancelled.</summary>
    public int CheckpointSteps { get; init; } = 100;
    /// <summary>Continue from OUTPUT/checkpoints/last.</summary>
    public bool Resume { get; init; }

    /// <summary>What must match for --resume to continue the same run: batch order, masks and schedule depend on these.</summary>
    internal string RunSignature(int texts, int totalSteps, ulong corpusFingerprint) =>
        $"mlm;epochs={Epochs};batch={BatchSize};lr={LearningRate:R};warmup={WarmupRatio:R};wd={WeightDecay:R};clip={MaxGradNorm:R};" +
        $"mask={MaskProbability:R};seed={Seed};texts={texts};steps={totalSteps};corpus={corpusFingerprint:x16}";
}

/// <summary>How a pretraining run ended: all steps done, or cancelled with a checkpoint to resume from.</summary>
public sealed record PretrainResult(bool Cancelled, long Step, long TotalSteps, double FirstEpochLoss, double LastEpochLoss);

/// <summary>
/// Masked-language-model pretraining (continued pretraining of any loaded BERT): seeded shuffled batches per epoch,
/// fresh 80/10/10 masks per step from a seeded RNG, AdamW (no decay on bias/LayerNorm) with linear warm-up/decay,
/// global-norm clipping and the NaN/Inf guard. Writes metrics.jsonl, training-chart.svg and the model with its head.
/// Checkpoints use fine-tuning's <see cref="CheckpointStore"/> (OUTPUT/checkpoints/last, replaced atomically: weights,
/// AdamW moments, step, dropout position). A resumed run ends bit-identical to an uninterrupted one: the batch order
/// is a function of seed and epoch, and the masking RNG (a System.Random, whose state cannot be saved) is replayed
/// up to the checkpoint's step; replaying draws only random numbers, microseconds per text.
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
        if (options.CheckpointSteps < 0) throw new ArgumentException($"checkpoint steps must be 0 or more, got {options.CheckpointSteps}");
        _model = model;
        _corpus = corpus;
        _options = options;
    }

    public string MetricsPath => Path.Combine(_options.OutputDirectory, FineTuner.MetricsFileName);
    public CheckpointStore Checkpoints => new(Path.Combine(_options.OutputDirectory, FineTuner.CheckpointFolderName));

    public PretrainResult Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
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
        var store = Checkpoints;
        string signature = _options.RunSignature(ids.Length, total, Fingerprint(ids));
        var state = new LoopState { RunSignature = signature };
        List<int>? order = null;
        int orderEpoch = -1;
        List<int> BatchOrder(long step)
        {
            int epoch = (int)(step / perEpoch);
            if (epoch != orderEpoch) (order, orderEpoch) = (SeededShuffle.Indices(ids.Length, unchecked(_options.Seed + epoch)), epoch);
            return order!.GetRange((int)(step % perEpoch) * _options.BatchSize, _options.BatchSize);
        }

        if (_options.Resume)
        {
            if (!store.HasLast) throw new InvalidOperationException($"--resume: no checkpoint in {store.Root}");
            state = store.LoadLast(parameters, optimizer);
            if (state.RunSignature != signature)
                throw new InvalidOperationException($"--resume: the checkpoint in {store.Root} was written by a run with other settings or corpus\n  checkpoint: {state.RunSignature}\n  this run:   {signature}");
            _model.DropoutStep = state.DropoutStep;
            PretrainingMetricsFile.Truncate(MetricsPath, state.Step);
            for (long s = 0; s < state.Step; s++) // the masking RNG to where the checkpointed run was
                foreach (int i in BatchOrder(s)) sampler.Mask(ids[i], maskRandom);
        }
        else
        {
            store.Delete();
            File.Delete(MetricsPath);
        }

        var epochLosses = PretrainingMetricsFile.EpochLosses(MetricsPath, _options.Epochs);
        var clock = Stopwatch.StartNew();
        long texts = 0, stepsThisSession = 0;
        using (var metrics = MetricsJsonlWriter.Open(MetricsPath, append: true))
        {
            for (long s = state.Step; s < total; s++)
            {
                int epoch = (int)(s / perEpoch);
                if (cancellation.IsCancellationRequested)
                {
                    store.SaveLast(state with { DropoutStep = _model.DropoutStep }, parameters, optimizer);
                    progress?.Report(Report(TrainingEventKind.Checkpoint, s, total, epoch, "cancelled; checkpoint written, resume with --resume"));
                    WriteChart();
                    return new PretrainResult(true, s, total, Mean(epochLosses[0]), Mean(epochLosses[epoch]));
                }
                var masked = BatchOrder(s).Select(i => sampler.Mask(ids[i], maskRandom)).ToList();
                optimizer.ZeroGradients();
                double loss = _model.Forward(masked.Select(m => m.Inputs).ToList(), masked.Select(m => m.Labels).ToList(), training: true);
                double lr = schedule.LearningRate(s);
                long done = s + 1;
                if (double.IsFinite(loss)) _model.Backward();
                var bad = double.IsFinite(loss) ? NonFiniteGradientCheck.FindFirst(parameters) : null;
                if (!double.IsFinite(loss) || bad is not null)
                {
                    string what = bad?.ToString() ?? $"loss is {loss}";
                    metrics.Write(MetricsRecord.Of(done, "train", ("mlm_loss", loss), ("lr", lr), ("skipped", 1)));
                    progress?.Report(new TrainingProgress(TrainingEventKind.Warning, done, total, epoch, loss, lr, double.NaN, double.NaN, null, null, $"step {done}: {what}; step skipped"));
                    state = state with { Step = done, ConsecutiveNonFinite = state.ConsecutiveNonFinite + 1 };
                    if (state.ConsecutiveNonFinite >= _options.MaxConsecutiveNonFiniteSteps)
                        throw new TrainingDivergedException($"pretraining diverged: {state.ConsecutiveNonFinite} consecutive non-finite steps (last at step {done}: {what}); lower --lr");
                }
                else
                {
                    double norm = GradientClipping.ClipGlobalNorm(parameters, _options.MaxGradNorm > 0 ? _options.MaxGradNorm : double.PositiveInfinity);
                    optimizer.Step(lr);
                    state = state with { Step = done, ConsecutiveNonFinite = 0 };
                    epochLosses[epoch].Add(loss);
                    texts += _options.BatchSize;
                    stepsThisSession++;
                    metrics.Write(MetricsRecord.Of(done, "train", ("mlm_loss", loss), ("lr", lr), ("grad_norm", norm), ("epoch", epoch)));
                    double seconds = clock.Elapsed.TotalSeconds;
                    progress?.Report(new TrainingProgress(TrainingEventKind.Step, done, total, epoch, loss, lr, norm, texts / Math.Max(seconds, 1e-9),
                        TimeSpan.FromSeconds(seconds / stepsThisSession * (total - done))));
                }
                if (done < total && _options.CheckpointSteps > 0 && done % _options.CheckpointSteps == 0)
                {
                    store.SaveLast(state with { DropoutStep = _model.DropoutStep }, parameters, optimizer);
                    progress?.Report(Report(TrainingEventKind.Checkpoint, done, total, epoch, $"checkpoint at step {done}"));
                }
            }
        }
        _model.SaveModel(_options.OutputDirectory);
        WriteChart();
        store.Delete(); // the model is complete; the checkpoint (weights + 2 moments) would only take space
        return new PretrainResult(false, total, total, Mean(epochLosses[0]), Mean(epochLosses[^1]));
    }

    private static double Mean(List<double> l) => l.Count > 0 ? l.Average() : double.NaN;

    private static TrainingProgress Report(TrainingEventKind kind, long step, long total, int epoch, string message) =>
        new(kind, step, total, epoch, double.NaN, double.NaN, double.NaN, double.NaN, null, null, message);

    private void WriteChart()
    {
        string path = Path.Combine(_options.OutputDirectory, FineTuner.ChartFileName), temp = path + ".tmp";
        File.WriteAllText(temp, MetricsSvgChart.Render(MetricsJsonlReader.Read(MetricsPath)));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>FNV-1a over the token ids: a resumed run must see the same texts, or the replayed masks would differ.</summary>
    private static ulong Fingerprint(int[][] ids)
    {
        ulong hash = 14695981039346656037;
        foreach (var sequence in ids)
        {
            foreach (int id in sequence) hash = (hash ^ (uint)id) * 1099511628211;
            hash = (hash ^ 0xFFFFFFFF) * 1099511628211; // sequence boundary
        }
        return hash;
    }
}
