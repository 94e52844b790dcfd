using System.Diagnostics;
using SemanticSearch.Training.Evaluation;
using SemanticSearch.Training.Losses;
using SemanticSearch.Training.Metrics;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// The fine-tuning loop. Per optimizer step: its micro-batches (gradient accumulation, each weighted 1/count so the
/// sum is the mean gradient), the NaN/Inf guard, global-norm clipping, AdamW (no decay on bias/LayerNorm) at the
/// linear warm-up/decay learning rate. Evaluation before training, every <see cref="FineTuneOptions.EvalSteps"/> and
/// at the end; early stopping restores the best weights. Resumable checkpoints are written atomically. Everything is
/// a function of the seed, so a run is reproducible for a given thread count, and a resumed run ends with the same
/// weights as an uninterrupted one. Writes OUTPUT/metrics.jsonl, OUTPUT/training-chart.svg and the model.
/// </summary>
public sealed class FineTuner
{
    public const string MetricsFileName = "metrics.jsonl", ChartFileName = "training-chart.svg", CheckpointFolderName = "checkpoints";

    private readonly ITrainingBackend _encoder;
    private readonly TrainingExamples _examples;
    private readonly FineTuneOptions _options;
    private readonly TrainingEvaluator? _evaluator;

    public FineTuner(IFineTunableEncoder encoder, TrainingExamples examples, FineTuneOptions options, TrainingEvaluator? evaluator = null)
        : this(new ManagedTrainingBackend(encoder), examples, options, evaluator) { }

    /// <summary>The same loop on another backend (the libtorch one, on CPU or CUDA).</summary>
    public FineTuner(ITrainingBackend encoder, TrainingExamples examples, FineTuneOptions options, TrainingEvaluator? evaluator = null)
    {
        _encoder = encoder;
        _examples = examples;
        _options = options;
        _evaluator = evaluator;
        Validate();
    }

    public string MetricsPath => Path.Combine(_options.OutputDirectory, MetricsFileName);
    public string ChartPath => Path.Combine(_options.OutputDirectory, ChartFileName);
    public CheckpointStore Checkpoints => new(Path.Combine(_options.OutputDirectory, CheckpointFolderName));
    /// <summary>Where the arithmetic runs (the backend's device).</summary>
    public string Device => _encoder.Device;

    public FineTuneResult Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(_options.OutputDirectory);
        if (_options.FreezeEmbeddings || _options.FreezeLayers > 0) _encoder.Freeze(embeddings: true, _options.FreezeLayers);
        _encoder.Begin(new TrainingRunSetup(_options, _examples, TokenizeAll()));
        if (_encoder.TrainableParameterCount == 0) throw new InvalidOperationException("every parameter is frozen; nothing to train");
        var backend = _encoder;
        var plan = TrainingPlan.Build(_examples, _options.Epochs, _options.BatchSize, _options.GradientAccumulation, _options.Seed,
            noDuplicateTexts: _options.Loss == TrainingLossKind.Mnrl);
        int total = plan.Steps.Count;
        var schedule = new LinearWarmupSchedule(_options.LearningRate, (int)Math.Ceiling(total * _options.WarmupRatio), total);
        string signature = _options.RunSignature(_examples.Count, total);
        var store = Checkpoints;
        var state = new LoopState { RunSignature = signature };

        if (_options.Resume)
        {
            if (!store.HasLast) throw new InvalidOperationException($"--resume: no checkpoint in {store.Root}");
            state = backend.LoadLast(store);
            if (state.RunSignature != signature)
                throw new InvalidOperationException($"--resume: the checkpoint in {store.Root} was written by a run with other settings or data\n  checkpoint: {state.RunSignature}\n  this run:   {signature}");
            _encoder.DropoutStep = state.DropoutStep;
            TruncateMetrics(state.Step);
        }
        else
        {
            store.Delete();
            File.Delete(MetricsPath);
        }

        using var metrics = MetricsJsonlWriter.Open(MetricsPath, append: true);
        EvaluationResult? before = null, last = null;
        long lastEvalStep = -1;
        if (_evaluator is not null && state.Step == 0)
        {
            (before, state) = Evaluate(0, state, metrics, progress, store);
            last = before;
            lastEvalStep = 0;
        }

        var outcome = TrainingOutcome.Completed;
        var trainingClock = Stopwatch.StartNew();
        long examplesSeen = 0, stepsThisSession = 0;
        for (long s = state.Step; s < total; s++)
        {
            if (cancellation.IsCancellationRequested)
            {
                backend.SaveLast(store, state with { DropoutStep = _encoder.DropoutStep });
                progress?.Report(Report(TrainingEventKind.Checkpoint, s, total, plan.Steps[(int)s].Epoch, message: "cancelled; checkpoint written, resume with --resume"));
                WriteChart();
                return new FineTuneResult(TrainingOutcome.Cancelled, s, total, before, null, state.BestMetric, state.BestMetric is null ? null : state.BestStep, clock.Elapsed);
            }
            var planned = plan.Steps[(int)s];
            backend.ZeroGradients();
            double loss = 0, weight = 1.0 / planned.MicroBatches.Count;
            foreach (var batch in planned.MicroBatches) loss += weight * backend.RunMicroBatch(batch, weight);
            long done = s + 1;
            double lr = schedule.LearningRate(s);
            var nonFinite = double.IsFinite(loss) ? backend.FindNonFiniteGradient() : null;
            if (!double.IsFinite(loss) || nonFinite is not null)
            {
                // Skip: no update, but the batches are consumed, so the run stays aligned with its plan.
                backend.ZeroGradients();
                state = state with { Step = done, ConsecutiveNonFinite = state.ConsecutiveNonFinite + 1 };
                string what = !double.IsFinite(loss) ? $"loss is {loss}" : nonFinite!;
                metrics.Write(MetricsRecord.Of(done, "train", ("loss", loss), ("lr", lr), ("skipped", 1)));
                progress?.Report(Report(TrainingEventKind.Warning, done, total, planned.Epoch, loss, lr,
                    message: $"step {done}: {what}; step skipped ({state.ConsecutiveNonFinite} in a row)"));
                if (state.ConsecutiveNonFinite >= _options.MaxConsecutiveNonFiniteSteps)
                {
                    WriteChart();
                    throw new TrainingDivergedException(
                        $"training diverged: {state.ConsecutiveNonFinite} consecutive steps with non-finite loss or gradients (last at step {done}: {what}); " +
                        "lower --lr or raise --max-grad-norm protection; the last checkpoint is kept in " + store.Root);
                }
                continue;
            }
            double norm = backend.ClipGradients(_options.MaxGradNorm > 0 ? _options.MaxGradNorm : double.PositiveInfinity);
            backend.Step(lr);
            state = state with { Step = done, ConsecutiveNonFinite = 0 };
            examplesSeen += planned.ExampleCount;
            stepsThisSession++;
            metrics.Write(MetricsRecord.Of(done, "train", ("loss", loss), ("lr", lr), ("grad_norm", norm), ("epoch", planned.Epoch)));
            double seconds = trainingClock.Elapsed.TotalSeconds;
            var eta = TimeSpan.FromSeconds(seconds / stepsThisSession * (total - done));
            progress?.Report(Report(TrainingEventKind.Step, done, total, planned.Epoch, loss, lr, norm, examplesSeen / Math.Max(seconds, 1e-9), eta));

            bool evalNow = _evaluator is not null && (done == total || (_options.EvalSteps > 0 && done % _options.EvalSteps == 0));
            if (evalNow)
            {
                (last, state) = Evaluate(done, state with { DropoutStep = _encoder.DropoutStep }, metrics, progress, store);
                lastEvalStep = done;
                if (_options.EarlyStoppingPatience > 0 && state.EvalsWithoutImprovement >= _options.EarlyStoppingPatience && done < total)
                {
                    outcome = TrainingOutcome.EarlyStopped;
                    progress?.Report(Report(TrainingEventKind.Warning, done, total, planned.Epoch,
                        message: $"early stopping: no improvement of {_evaluator!.PrimaryMetric} in {state.EvalsWithoutImprovement} evaluations (best {state.BestMetric:F4} at step {state.BestStep})"));
                    break;
                }
            }
            if (done < total && (evalNow || (_options.CheckpointSteps > 0 && done % _options.CheckpointSteps == 0)))
            {
                backend.SaveLast(store, state with { DropoutStep = _encoder.DropoutStep });
                progress?.Report(Report(TrainingEventKind.Checkpoint, done, total, planned.Epoch, message: $"checkpoint at step {done}"));
            }
        }

        if (_evaluator is not null && _options.EarlyStoppingPatience > 0 && store.HasBest && state.BestStep != lastEvalStep)
        {
            backend.RestoreBest(store);
            last = _evaluator.Evaluate(Embed, EmbedQueries);
            metrics.Write(new MetricsRecord(state.BestStep, "best", last.Metrics));
            progress?.Report(Report(TrainingEventKind.Evaluation, state.Step, total, 0, evaluation: last,
                message: $"restored the best weights (step {state.BestStep}, {_evaluator.PrimaryMetric} {state.BestMetric:F4})"));
        }
        _encoder.SaveModel(_options.OutputDirectory);
        WriteChart();
        store.Delete();
        var result = new FineTuneResult(outcome, state.Step, total, before, last, state.BestMetric, state.BestMetric is null ? null : state.BestStep, clock.Elapsed);
        progress?.Report(Report(TrainingEventKind.Finished, state.Step, total, 0, evaluation: last, message: $"{outcome.ToString().ToLowerInvariant()} after {state.Step} of {total} steps"));
        return result;
    }

    private (EvaluationResult, LoopState) Evaluate(long step, LoopState state, MetricsJsonlWriter metrics, IProgress<TrainingProgress>? progress,
        CheckpointStore store)
    {
        var result = _evaluator!.Evaluate(Embed, EmbedQueries);
        metrics.Write(new MetricsRecord(step, "eval", result.Metrics));
        double value = result[_evaluator.PrimaryMetric];
        bool improved = state.BestMetric is not double best || value > best;
        if (improved)
        {
            state = state with { BestMetric = value, BestStep = step, EvalsWithoutImprovement = 0 };
            if (_options.EarlyStoppingPatience > 0) _encoder.SaveBest(store);
        }
        else
        {
            state = state with { EvalsWithoutImprovement = state.EvalsWithoutImprovement + 1 };
        }
        progress?.Report(Report(TrainingEventKind.Evaluation, step, 0, 0, evaluation: result,
            message: $"{_evaluator.PrimaryMetric} {value:F4}{(improved ? " (best)" : $" (best {state.BestMetric:F4} at step {state.BestStep})")}"));
        return (result, state);
    }

    /// <summary>Inference-mode embeddings for the evaluators; leaves the dropout stream where training left it.</summary>
    private float[][] Embed(IReadOnlyList<string> texts) => Embed(texts, _encoder.Tokenize);

    /// <summary>As <see cref="Embed(IReadOnlyList{string})"/> for search queries (the model's query prefix applies).</summary>
    private float[][] EmbedQueries(IReadOnlyList<string> queries) => Embed(queries, _encoder.TokenizeQueries);

    private float[][] Embed(IReadOnlyList<string> texts, Func<IReadOnlyList<string>, int[][]> tokenize)
    {
        ulong dropout = _encoder.DropoutStep;
        var rows = new float[texts.Count][];
        int dim = _encoder.Dimension, batch = _options.EvaluationBatchSize;
        for (int start = 0; start < texts.Count; start += batch)
        {
            int count = Math.Min(batch, texts.Count - start);
            var output = _encoder.Embed(tokenize(texts.Skip(start).Take(count).ToList()));
            for (int r = 0; r < count; r++) rows[start + r] = output.AsSpan(r * dim, dim).ToArray();
        }
        _encoder.DropoutStep = dropout;
        return rows;
    }

    private Dictionary<string, int[]> TokenizeAll()
    {
        var distinct = _examples.Columns.SelectMany(c => c).Distinct(StringComparer.Ordinal).ToList();
        var ids = _encoder.Tokenize(distinct);
        var map = new Dictionary<string, int[]>(distinct.Count, StringComparer.Ordinal);
        for (int i = 0; i < distinct.Count; i++) map[distinct[i]] = ids[i];
        return map;
    }

    /// <summary>A resumed run rewrites the steps after its checkpoint; drop their records so each step appears once.</summary>
    private void TruncateMetrics(long step)
    {
        if (!File.Exists(MetricsPath)) return;
        var kept = File.ReadLines(MetricsPath)
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Where(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("step").GetInt64() <= step)
            .ToList();
        string temp = MetricsPath + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, MetricsPath, overwrite: true);
    }

    private void WriteChart()
    {
        var records = MetricsJsonlReader.Read(MetricsPath);
        if (MetricsSvgChart.DefaultPanels(records).Count == 0) return;
        string temp = ChartPath + ".tmp";
        File.WriteAllText(temp, MetricsSvgChart.Render(records));
        File.Move(temp, ChartPath, overwrite: true);
    }

    private void Validate()
    {
        var o = _options;
        if (o.MiniBatchSize is int mini && mini < 1) throw new ArgumentException($"mini-batch size must be at least 1, got {mini}");
        if (o.LearningRate is not (> 0 and < double.PositiveInfinity)) throw new ArgumentException($"learning rate must be positive, got {o.LearningRate}");
        if (o.WarmupRatio is < 0 or > 1) throw new ArgumentException($"warm-up ratio must be within [0, 1], got {o.WarmupRatio}");
        if (o.MaxConsecutiveNonFiniteSteps < 1) throw new ArgumentException("MaxConsecutiveNonFiniteSteps must be at least 1");
        if (o.EarlyStoppingPatience > 0 && _evaluator is null) throw new ArgumentException("early stopping needs an evaluator (--eval)");
        foreach (int d in o.MatryoshkaDims ?? [])
            if (d < 1 || d > _encoder.Dimension) throw new ArgumentException($"Matryoshka dimension {d} is outside 1..{_encoder.Dimension} (the model's embedding size)");
        bool labelled = o.Loss is not TrainingLossKind.Mnrl;
        if (labelled != (_examples.Labels is not null))
            throw new ArgumentException(labelled
                ? $"loss {o.Loss} needs scored or labelled pairs (sentence1, sentence2, score|label)"
                : "loss Mnrl needs anchor/positive examples without scores");
        if (labelled && _examples.Columns.Count != 2) throw new ArgumentException($"loss {o.Loss} takes exactly two text columns");
    }

    private static TrainingProgress Report(TrainingEventKind kind, long step, long total, int epoch, double loss = double.NaN, double lr = double.NaN,
        double norm = double.NaN, double rate = double.NaN, TimeSpan? eta = null, EvaluationResult? evaluation = null, string? message = null) =>
        new(kind, step, total, epoch, loss, lr, norm, rate, eta, evaluation, message);
}
