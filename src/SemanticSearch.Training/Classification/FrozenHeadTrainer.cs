using System.Diagnostics;
using System.Numerics.Tensors;
using SemanticSearch.Model.Heads;
using SemanticSearch.Training.Losses;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Classification;

/// <summary>One epoch of head training: mean training loss and, when validation data is given, its macro-F1.</summary>
public sealed record HeadEpoch(int Epoch, double TrainLoss, double? ValidationMacroF1);

public sealed record TrainedHead(ClassifierHead Head, IReadOnlyList<HeadEpoch> History, int BestEpoch, double Seconds);

/// <summary>Validation embeddings with their gold labels, for early stopping and threshold selection.</summary>
public sealed record HeadValidationSet(IReadOnlyList<float[]> Embeddings, IReadOnlyList<IReadOnlyList<string>> Gold);

/// <summary>
/// Trains a head on embeddings computed once by a frozen encoder: mini-batch AdamW on softmax cross-entropy
/// (single label, optional class weights) or mean binary cross-entropy with logits (multi-label). Shuffling and
/// initialisation come from the seed alone, so the same inputs give bit-identical heads. With validation data,
/// each epoch is scored by macro-F1 (threshold 0 / 0.5) and the best epoch's weights are kept; training stops
/// after <see cref="HeadTrainingOptions.Patience"/> epochs without improvement.
/// </summary>
public static class FrozenHeadTrainer
{
    public static TrainedHead Train(IReadOnlyList<float[]> embeddings, LabelSpace space, int[]? singleTargets, float[]? multiTargets,
        string encoderFingerprint, HeadTrainingOptions options, HeadValidationSet? validation = null, Action<HeadEpoch>? onEpoch = null)
    {
        options.Validate();
        int n = embeddings.Count;
        if (n == 0) throw new ArgumentException("no training embeddings");
        int d = embeddings[0].Length, c = space.Labels.Count;
        if (space.MultiLabel ? multiTargets is null : singleTargets is null) throw new ArgumentException("targets do not match the label space's mode");
        if (options.BalancedClassWeights && space.MultiLabel)
            throw new ArgumentException("balanced class weights apply to single-label heads; multi-label heads weigh each label's yes/no equally");
        var clock = Stopwatch.StartNew();
        var config = new ClassifierHeadConfig
        {
            InputDimension = d, LabelCount = c, HiddenSize = options.HiddenSize, Activation = options.Activation,
            MultiLabel = space.MultiLabel, Threshold = space.MultiLabel ? 0.5 : 0, EncoderFingerprint = encoderFingerprint,
        };
        var head = ClassifierHead.CreateInitialized(config, space.Labels, options.Seed);
        var parameters = HeadBatchPass.Parameters(head, out var gradients);
        var optimizer = new AdamW(WeightDecayGrouping.Split(parameters, options.WeightDecay));
        float[] classWeights = options.BalancedClassWeights ? space.BalancedWeights(singleTargets!) : [];
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, n).ToArray();
        var pass = new HeadBatchPass(head, options.BatchSize);
        var history = new List<HeadEpoch>();
        double bestF1 = double.NegativeInfinity;
        int bestEpoch = 0, sinceBest = 0;
        float[][]? best = null;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            for (int start = 0; start < n; start += options.BatchSize)
            {
                int rows = Math.Min(options.BatchSize, n - start);
                optimizer.ZeroGradients();
                pass.Forward(embeddings, order.AsSpan(start, rows));
                double loss = pass.Loss(order.AsSpan(start, rows), space.MultiLabel ? null : singleTargets, space.MultiLabel ? multiTargets : null, classWeights);
                pass.Backward(embeddings, order.AsSpan(start, rows), gradients);
                optimizer.Step(options.LearningRate);
                lossSum += loss * rows;
            }
            double? f1 = validation is null ? null : ValidationMacroF1(head, validation);
            var record = new HeadEpoch(epoch, lossSum / n, f1);
            history.Add(record);
            onEpoch?.Invoke(record);
            if (f1 is null) { bestEpoch = epoch; continue; }
            if (f1 > bestF1 + 1e-12)
            {
                bestF1 = f1.Value; bestEpoch = epoch; sinceBest = 0;
                best = parameters.Select(p => p.Values.ToArray()).ToArray();
            }
            else if (++sinceBest >= options.Patience) break;
        }
        if (best is not null)
            for (int i = 0; i < parameters.Count; i++) best[i].CopyTo(parameters[i].Values);
        return new TrainedHead(head, history, bestEpoch, clock.Elapsed.TotalSeconds);
    }

    public static double ValidationMacroF1(ClassifierHead head, HeadValidationSet validation)
    {
        var predicted = validation.Embeddings.Select(e => (IReadOnlyList<string>)head.Predict(e).Labels).ToList();
        return ClassificationMetrics.Compute(head.Labels, validation.Gold, predicted, head.Config.MultiLabel).MacroF1;
    }
}
