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
        var parameters = Parameters(head, out var gradients);
        var optimizer = new AdamW(WeightDecayGrouping.Split(parameters, options.WeightDecay));
        float[] classWeights = options.BalancedClassWeights ? space.BalancedWeights(singleTargets!) : [];
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, n).ToArray();
        var pass = new BatchPass(head, options.BatchSize);
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
                var dLogits = pass.DLogits(rows);
                double loss = space.MultiLabel
                    ? BinaryCrossEntropy(pass.Logits(rows), multiTargets!, order.AsSpan(start, rows), c, dLogits)
                    : SoftmaxCrossEntropyLoss.Compute(pass.Logits(rows), Gather(singleTargets!, order.AsSpan(start, rows)), c, classWeights, dLogits);
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

    private static List<TrainableParameter> Parameters(ClassifierHead head, out List<float[]> gradients)
    {
        var list = new List<TrainableParameter>();
        var grads = new List<float[]>();
        gradients = grads;
        void Add(string name, float[] values)
        {
            var g = new float[values.Length];
            grads.Add(g);
            list.Add(new TrainableParameter(name, values, g));
        }
        if (head.HiddenWeight is not null) { Add("hidden.weight", head.HiddenWeight); Add("hidden.bias", head.HiddenBias!); }
        Add("output.weight", head.OutputWeight);
        Add("output.bias", head.OutputBias);
        return list;
    }

    private static int[] Gather(int[] targets, ReadOnlySpan<int> rows)
    {
        var result = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++) result[i] = targets[rows[i]];
        return result;
    }

    /// <summary>torch's BCEWithLogits, mean over rows × labels, in the log-sum-exp-stable form.</summary>
    private static double BinaryCrossEntropy(ReadOnlySpan<float> logits, float[] targets, ReadOnlySpan<int> rows, int classes, Span<float> dLogits)
    {
        double sum = 0, scale = 1.0 / (rows.Length * classes);
        for (int r = 0; r < rows.Length; r++)
            for (int c = 0; c < classes; c++)
            {
                double z = logits[r * classes + c], y = targets[rows[r] * classes + c];
                sum += Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                dLogits[r * classes + c] = (float)((1 / (1 + Math.Exp(-z)) - y) * scale);
            }
        return sum * scale;
    }

    /// <summary>Forward activations of one mini-batch and the backward pass into the parameter gradients.</summary>
    private sealed class BatchPass(ClassifierHead head, int batchSize)
    {
        private readonly int _k = head.OutputInputDimension;
        private readonly int _c = head.Config.LabelCount;
        private readonly float[] _pre = new float[batchSize * head.OutputInputDimension];
        private readonly float[] _hidden = new float[batchSize * head.OutputInputDimension];
        private readonly float[] _logits = new float[batchSize * head.Config.LabelCount];
        private readonly float[] _dLogits = new float[batchSize * head.Config.LabelCount];
        private readonly float[] _dHidden = new float[head.OutputInputDimension];

        public ReadOnlySpan<float> Logits(int rows) => _logits.AsSpan(0, rows * _c);
        public Span<float> DLogits(int rows) => _dLogits.AsSpan(0, rows * _c);

        public void Forward(IReadOnlyList<float[]> x, ReadOnlySpan<int> rows)
        {
            int d = head.InputDimension;
            for (int r = 0; r < rows.Length; r++)
            {
                var hidden = _hidden.AsSpan(r * _k, _k);
                if (head.HiddenWeight is null) x[rows[r]].CopyTo(hidden);
                else
                    for (int j = 0; j < _k; j++)
                    {
                        float pre = TensorPrimitives.Dot(head.HiddenWeight.AsSpan(j * d, d), x[rows[r]]) + head.HiddenBias![j];
                        _pre[r * _k + j] = pre;
                        hidden[j] = head.Activate(pre);
                    }
                head.OutputLogits(hidden, _logits.AsSpan(r * _c, _c));
            }
        }

        /// <param name="gradients">in the order of <see cref="Parameters"/></param>
        public void Backward(IReadOnlyList<float[]> x, ReadOnlySpan<int> rows, List<float[]> gradients)
        {
            bool hasHidden = head.HiddenWeight is not null;
            int d = head.InputDimension, o = hasHidden ? 2 : 0;
            float[] dOutW = gradients[o], dOutB = gradients[o + 1];
            for (int r = 0; r < rows.Length; r++)
            {
                var hidden = _hidden.AsSpan(r * _k, _k);
                var dLogits = _dLogits.AsSpan(r * _c, _c);
                if (hasHidden) _dHidden.AsSpan().Clear();
                for (int c = 0; c < _c; c++)
                {
                    float g = dLogits[c];
                    if (g == 0) continue;
                    var dRow = dOutW.AsSpan(c * _k, _k);
                    TensorPrimitives.MultiplyAdd(hidden, g, dRow, dRow);
                    dOutB[c] += g;
                    if (hasHidden) TensorPrimitives.MultiplyAdd(head.OutputWeight.AsSpan(c * _k, _k), g, _dHidden, _dHidden);
                }
                if (!hasHidden) continue;
                float[] dHidW = gradients[0], dHidB = gradients[1];
                for (int j = 0; j < _k; j++)
                {
                    float g = (float)(_dHidden[j] * head.ActivationDerivative(_pre[r * _k + j]));
                    if (g == 0) continue;
                    var dRow = dHidW.AsSpan(j * d, d);
                    TensorPrimitives.MultiplyAdd(x[rows[r]], g, dRow, dRow);
                    dHidB[j] += g;
                }
            }
        }
    }
}
