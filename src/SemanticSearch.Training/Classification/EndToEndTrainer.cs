using System.Diagnostics;
using SemanticSearch.Model;
using SemanticSearch.Model.Heads;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Classification;

/// <summary>Validation texts with their gold labels, re-embedded at every evaluation (the encoder changes).</summary>
public sealed record TextValidationSet(IReadOnlyList<string> Texts, IReadOnlyList<IReadOnlyList<string>> Gold);

/// <summary>
/// End-to-end training: encoder and head learn together on the head's loss. Per optimizer step: a training forward
/// of the batch through the encoder's training graph (dropout on), the head's forward and loss, the head's backward
/// into its own gradients and into dLoss/dEmbedding, the graph's backward from there through Normalize, pooling and
/// the transformer; then one global-norm clip over everything and two AdamW updates — the encoder at its small
/// learning rate, the head at its own — both on the same linear warm-up/decay schedule. With validation texts, the
/// macro-F1 is measured every <see cref="EncoderTrainingOptions.EvalSteps"/> steps and after each epoch; the best
/// encoder + head weights are restored at the end (early stopping after <see cref="HeadTrainingOptions.Patience"/>
/// evaluations without improvement). Seeded: shuffling, head initialisation and dropout masks all derive from
/// <see cref="HeadTrainingOptions.Seed"/>. The encoder's weights are changed in place. The head starts from random
/// weights, or from a frozen-mode head (linear probe, then fine-tune). With <see cref="EndToEndCheckpointing"/> it
/// checkpoints before every N-th step and on cancellation, and a resumed run ends bit-identical to an uninterrupted one.
/// </summary>
public static class EndToEndTrainer
{
    public const string PendingFingerprint = "pending-end-to-end";

    public static TrainedHead Train(SentenceEncoder encoder, IReadOnlyList<string> texts, LabelSpace space, int[]? singleTargets, float[]? multiTargets,
        HeadTrainingOptions options, EncoderTrainingOptions encoderOptions, TextValidationSet? validation, TextWriter log, ClassifierHead? initialHead = null,
        EndToEndCheckpointing? checkpointing = null)
    {
        options.Validate();
        encoderOptions.Validate();
        int n = texts.Count;
        if (n == 0) throw new ArgumentException("no training texts");
        if (space.MultiLabel ? multiTargets is null : singleTargets is null) throw new ArgumentException("targets do not match the label space's mode");
        if (options.BalancedClassWeights && space.MultiLabel)
            throw new ArgumentException("balanced class weights apply to single-label heads; multi-label heads weigh each label's yes/no equally");
        int layers = encoder.Transformer.Config.NumHiddenLayers;
        if (encoderOptions.FreezeLayers > layers)
            throw new ArgumentException($"--freeze-layers {encoderOptions.FreezeLayers}: the encoder has only {layers} layers");
        var clock = Stopwatch.StartNew();

        var graph = new SentenceEncoderTrainingGraph(encoder, new TrainingGraphOptions
        {
            HiddenDropout = encoderOptions.HiddenDropout, AttentionDropout = encoderOptions.AttentionDropout, Seed = (ulong)options.Seed,
        });
        if (encoderOptions.FreezeLayers > 0) { graph.FreezeEmbeddings(); graph.FreezeBottomLayers(encoderOptions.FreezeLayers); }
        var encoderParameters = graph.UnfrozenParameters();
        var head = ClassifierHead.CreateInitialized(new ClassifierHeadConfig
        {
            InputDimension = encoder.Dimension, LabelCount = space.Labels.Count, HiddenSize = options.HiddenSize, Activation = options.Activation,
            MultiLabel = space.MultiLabel, Threshold = space.MultiLabel ? 0.5 : 0, EncoderFingerprint = PendingFingerprint,
        }, space.Labels, options.Seed);
        if (initialHead is not null) CopyWeights(initialHead, head);
        var headParameters = HeadBatchPass.Parameters(head, out var headGradients);
        var encoderOptimizer = new AdamW(WeightDecayGrouping.Split(encoderParameters, options.WeightDecay));
        var headOptimizer = new AdamW(WeightDecayGrouping.Split(headParameters, options.WeightDecay));
        var everything = encoderParameters.Concat(headParameters).ToList();

        int stepsPerEpoch = (n + options.BatchSize - 1) / options.BatchSize;
        int total = stepsPerEpoch * options.Epochs;
        if (encoderOptions.MaxSteps > 0) total = Math.Min(total, encoderOptions.MaxSteps);
        int warmup = (int)Math.Ceiling(total * encoderOptions.WarmupRatio);
        var encoderSchedule = new LinearWarmupSchedule(encoderOptions.EncoderLearningRate, warmup, total);
        var headSchedule = new LinearWarmupSchedule(options.LearningRate, warmup, total);
        float[] classWeights = options.BalancedClassWeights ? space.BalancedWeights(singleTargets!) : [];

        var ids = encoder.Tokenize(texts);
        var validationIds = validation is null ? null : encoder.Tokenize(validation.Texts);
        var pass = new HeadBatchPass(head, options.BatchSize);
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, n).ToArray();
        var history = new List<HeadEpoch>();
        double bestF1 = double.NegativeInfinity, lossSum = 0;
        int bestStep = 0, bestEpoch = 0, sinceBest = 0, lossRows = 0, nonFinite = 0, step = 0, epoch = 0;
        float[][]? best = null;
        int d = encoder.Dimension, lastEvalStep = -1, resumedStep = 0, firstBatch = 0;
        var optimizers = new[] { encoderOptimizer, headOptimizer };
        if (checkpointing is { Resume: true })
        {
            var store = checkpointing.Store;
            if (!store.HasLast) throw new InvalidOperationException($"--resume: no checkpoint in {store.Root}");
            RunSignatureDifference.RequireSame(store.Root, store.PeekLastState().RunSignature, checkpointing.RunSignature);
            var (state, progress, saved) = EndToEndProgress.Load(store, everything, optimizers);
            step = resumedStep = checked((int)state.Step);
            graph.DropoutStep = state.DropoutStep;
            (bestF1, bestStep, sinceBest, nonFinite) = (state.BestMetric ?? double.NegativeInfinity, checked((int)state.BestStep), state.EvalsWithoutImprovement, state.ConsecutiveNonFinite);
            (bestEpoch, lossSum, lossRows, lastEvalStep, best) = (progress.BestEpoch, progress.LossSum, progress.LossRows, progress.LastEvalStep, saved);
            history.AddRange(progress.History);
            epoch = progress.Epoch - 1; // the loop below starts (and shuffles for) the checkpoint's epoch
            for (int e = 0; e < epoch; e++) random.Shuffle(order);
            firstBatch = (step - epoch * stepsPerEpoch) * options.BatchSize;
            log.WriteLine($"resuming at step {step}/{total} (epoch {progress.Epoch}) from {store.LastDirectory}");
        }
        else checkpointing?.Store.Delete();

        void SaveCheckpoint() => EndToEndProgress.Save(checkpointing!.Store, new LoopState
        {
            Step = step, DropoutStep = graph.DropoutStep, BestMetric = best is null ? null : bestF1, BestStep = bestStep,
            EvalsWithoutImprovement = sinceBest, ConsecutiveNonFinite = nonFinite, RunSignature = checkpointing.RunSignature,
        }, new EndToEndProgress
        {
            Epoch = epoch, BestEpoch = bestEpoch, LossSum = lossSum, LossRows = lossRows, LastEvalStep = lastEvalStep, History = [.. history], HasBest = best is not null,
        }, everything, optimizers, best);
        var local = Enumerable.Range(0, options.BatchSize).ToArray();
        log.WriteLine($"end-to-end: {n} texts, {total} steps of {options.BatchSize} ({encoderParameters.Count} encoder tensors trainable" +
                      $"{(encoderOptions.FreezeLayers > 0 ? $", embeddings + {encoderOptions.FreezeLayers} bottom layers frozen" : "")}), " +
                      $"lr encoder {encoderOptions.EncoderLearningRate:G3} / head {options.LearningRate:G3}");

        bool Evaluate()
        {
            if (validation is null) return false;
            ulong dropout = graph.DropoutStep;
            var embeddings = new List<float[]>(validationIds!.Length);
            for (int start = 0; start < validationIds.Length; start += encoderOptions.EncodeBatchSize)
            {
                var output = graph.Forward(validationIds.Skip(start).Take(encoderOptions.EncodeBatchSize).ToList(), training: false);
                for (int r = 0; r < output.Length / d; r++) embeddings.Add(output.AsSpan(r * d, d).ToArray());
            }
            graph.DropoutStep = dropout;
            double f1 = FrozenHeadTrainer.ValidationMacroF1(head, new HeadValidationSet(embeddings, validation.Gold));
            var record = new HeadEpoch(epoch, lossRows == 0 ? double.NaN : lossSum / lossRows, f1);
            history.Add(record);
            log.WriteLine($"step {step}/{total} (epoch {epoch}): train loss {record.TrainLoss:F4}, validation macro-F1 {f1:F4}{(f1 > bestF1 + 1e-12 ? " (best)" : "")}");
            lossSum = 0; lossRows = 0;
            if (f1 > bestF1 + 1e-12)
            {
                bestF1 = f1; bestStep = step; bestEpoch = epoch; sinceBest = 0;
                best = everything.Select(p => p.Values.ToArray()).ToArray();
                return false;
            }
            return ++sinceBest >= options.Patience;
        }

        var trainingClock = Stopwatch.StartNew();
        bool stop = false;
        while (!stop && step < total)
        {
            epoch++;
            random.Shuffle(order);
            for (int start = firstBatch; start < n && step < total; start += options.BatchSize)
            {
                // Checkpoints are taken before a step, after the previous step's evaluations and the epoch's shuffle.
                if (checkpointing is not null)
                {
                    bool cancelled = checkpointing.Cancellation.IsCancellationRequested;
                    if (cancelled || (checkpointing.EverySteps > 0 && step > resumedStep && step % checkpointing.EverySteps == 0))
                    {
                        SaveCheckpoint();
                        if (cancelled) throw new ClassifierTrainingCancelledException(step, total, checkpointing.Store.LastDirectory);
                        log.WriteLine($"checkpoint at step {step}/{total}");
                    }
                }
                int rows = Math.Min(options.BatchSize, n - start);
                var batch = order.AsSpan(start, rows);
                var batchIds = new int[rows][];
                for (int r = 0; r < rows; r++) batchIds[r] = ids[batch[r]];
                graph.ZeroGrad();
                headOptimizer.ZeroGradients();
                var output = graph.Forward(batchIds, training: true);
                var x = new float[rows][];
                for (int r = 0; r < rows; r++) x[r] = output.AsSpan(r * d, d).ToArray();
                pass.Forward(x, local.AsSpan(0, rows));
                double loss = pass.Loss(batch, singleTargets, multiTargets, classWeights);
                var dEmbedding = new float[rows * d];
                pass.Backward(x, local.AsSpan(0, rows), headGradients, dEmbedding);
                graph.Backward(dEmbedding);
                step++;
                if (!double.IsFinite(loss) || NonFiniteGradientCheck.FindFirst(everything) is not null)
                {
                    if (++nonFinite >= 5)
                        throw new TrainingDivergedException($"end-to-end training diverged: 5 consecutive steps with non-finite loss or gradients (last at step {step}); lower --encoder-lr / --lr");
                    log.WriteLine($"step {step}: non-finite loss or gradient; step skipped");
                    continue;
                }
                nonFinite = 0;
                if (encoderOptions.MaxGradNorm > 0) GradientClipping.ClipGlobalNorm(everything, encoderOptions.MaxGradNorm);
                encoderOptimizer.Step(encoderSchedule.LearningRate(step - 1));
                headOptimizer.Step(headSchedule.LearningRate(step - 1));
                lossSum += loss * rows; lossRows += rows;
                if (step % Math.Max(1, total / 20) == 0 || step == total)
                {
                    double seconds = trainingClock.Elapsed.TotalSeconds;
                    log.WriteLine($"step {step}/{total} epoch {epoch} loss {loss:F4} {step * (double)options.BatchSize / seconds:F1} texts/s ETA {TimeSpan.FromSeconds(seconds / step * (total - step)):hh\\:mm\\:ss}");
                }
                if (encoderOptions.EvalSteps > 0 && step % encoderOptions.EvalSteps == 0 && step < total)
                {
                    lastEvalStep = step;
                    if (stop = Evaluate()) break;
                }
            }
            firstBatch = 0;
            if (!stop && lastEvalStep != step) { lastEvalStep = step; stop = Evaluate(); }
            if (validation is null)
            {
                bestEpoch = epoch; bestStep = step;
                history.Add(new HeadEpoch(epoch, lossRows == 0 ? double.NaN : lossSum / lossRows, null));
                lossSum = 0; lossRows = 0;
            }
        }
        if (stop) log.WriteLine($"early stopping: no better validation macro-F1 in {options.Patience} evaluations (best {bestF1:F4} at step {bestStep})");
        if (best is not null && bestStep != step)
        {
            for (int i = 0; i < everything.Count; i++) best[i].CopyTo(everything[i].Values);
            log.WriteLine($"restored the best encoder + head weights (step {bestStep}, validation macro-F1 {bestF1:F4})");
        }
        encoder.InvalidateFingerprint();
        return new TrainedHead(head, history, bestEpoch, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Starts from a head already trained on the frozen encoder ("linear probe, then fine-tune"): the encoder's
    /// first updates then follow a useful gradient instead of one driven by a random head.
    /// </summary>
    private static void CopyWeights(ClassifierHead from, ClassifierHead to)
    {
        if (!from.Labels.SequenceEqual(to.Labels) || from.InputDimension != to.InputDimension || from.Config.HiddenSize != to.Config.HiddenSize
            || from.Config.MultiLabel != to.Config.MultiLabel || from.Config.Activation != to.Config.Activation)
            throw new ArgumentException("the initial head's labels, dimensions or type differ from the head being trained");
        if (from.HiddenWeight is not null) { from.HiddenWeight.CopyTo(to.HiddenWeight!, 0); from.HiddenBias!.CopyTo(to.HiddenBias!, 0); }
        from.OutputWeight.CopyTo(to.OutputWeight, 0);
        from.OutputBias.CopyTo(to.OutputBias, 0);
    }
}
