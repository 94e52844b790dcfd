using System.Numerics.Tensors;
using SemanticSearch.Model.Heads;
using SemanticSearch.Training.Losses;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// Forward activations of one mini-batch through a <see cref="ClassifierHead"/>, its loss, and the backward pass
/// into the head's parameter gradients and — for end-to-end training — into dLoss/dEmbedding, which the encoder's
/// training graph then carries back through Normalize, pooling and the transformer.
/// </summary>
public sealed class HeadBatchPass(ClassifierHead head, int batchSize)
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

    /// <summary>The head's parameters as the optimizer sees them (live arrays), hidden layer first; gradients in the same order.</summary>
    public static List<TrainableParameter> Parameters(ClassifierHead head, out List<float[]> gradients)
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

    public void Forward(IReadOnlyList<float[]> x, ReadOnlySpan<int> rows)
    {
        int d = head.InputDimension;
        for (int r = 0; r < rows.Length; r++)
        {
            var input = x[rows[r]];
            if (input.Length != d) throw new ArgumentException($"embedding has {input.Length} dimensions, the head expects {d}");
            var hidden = _hidden.AsSpan(r * _k, _k);
            if (head.HiddenWeight is null) input.CopyTo(hidden);
            else
                for (int j = 0; j < _k; j++)
                {
                    float pre = TensorPrimitives.Dot(head.HiddenWeight.AsSpan(j * d, d), input) + head.HiddenBias![j];
                    _pre[r * _k + j] = pre;
                    hidden[j] = head.Activate(pre);
                }
            head.OutputLogits(hidden, _logits.AsSpan(r * _c, _c));
        }
    }

    /// <summary>
    /// The batch's mean loss (softmax cross-entropy with optional class weights, or BCE-with-logits for multi-label)
    /// after <see cref="Forward"/>; fills dLogits. A single-label target of <see cref="LabelSpace.NoIntent"/> marks an
    /// out-of-scope text: its loss is the cross-entropy to the uniform distribution (Hendrycks et al.'s outlier
    /// exposure), which teaches the head to be unsure on such texts so the "unknown" threshold catches them.
    /// </summary>
    public double Loss(ReadOnlySpan<int> rows, int[]? singleTargets, float[]? multiTargets, float[] classWeights)
    {
        var dLogits = DLogits(rows.Length);
        if (multiTargets is not null) return BinaryCrossEntropy(Logits(rows.Length), multiTargets, rows, _c, dLogits);
        var targets = new int[rows.Length];
        int outOfScope = 0;
        for (int i = 0; i < rows.Length; i++)
            if ((targets[i] = singleTargets![rows[i]]) == LabelSpace.NoIntent) outOfScope++;
        if (outOfScope == 0) return SoftmaxCrossEntropyLoss.Compute(Logits(rows.Length), targets, _c, classWeights, dLogits);
        return MixedScopeCrossEntropy(Logits(rows.Length), targets, outOfScope, classWeights, dLogits);
    }

    /// <summary>
    /// Mean over the batch's rows: the in-scope rows' (class-weighted) cross-entropy counts as many rows as there are,
    /// each out-of-scope row adds logsumexp(z) − mean(z) = −Σ_c log p_c / C, whose gradient is p − 1/C.
    /// </summary>
    private double MixedScopeCrossEntropy(ReadOnlySpan<float> logits, int[] targets, int outOfScope, float[] classWeights, Span<float> dLogits)
    {
        int n = targets.Length, inScope = n - outOfScope;
        double loss = 0;
        if (inScope > 0)
        {
            var inLogits = new float[inScope * _c];
            var inTargets = new int[inScope];
            var inD = new float[inScope * _c];
            for (int i = 0, k = 0; i < n; i++)
                if (targets[i] != LabelSpace.NoIntent) { logits.Slice(i * _c, _c).CopyTo(inLogits.AsSpan(k * _c, _c)); inTargets[k++] = targets[i]; }
            loss = SoftmaxCrossEntropyLoss.Compute(inLogits, inTargets, _c, classWeights, inD) * inScope / n;
            for (int i = 0, k = 0; i < n; i++)
                if (targets[i] != LabelSpace.NoIntent)
                {
                    for (int c = 0; c < _c; c++) dLogits[i * _c + c] = inD[k * _c + c] * inScope / n;
                    k++;
                }
        }
        for (int i = 0; i < n; i++)
        {
            if (targets[i] != LabelSpace.NoIntent) continue;
            var z = logits.Slice(i * _c, _c);
            double max = TensorPrimitives.Max(z), sumExp = 0, sum = 0;
            for (int c = 0; c < _c; c++) { sumExp += Math.Exp(z[c] - max); sum += z[c]; }
            double logSumExp = max + Math.Log(sumExp);
            loss += (logSumExp - sum / _c) / n;
            for (int c = 0; c < _c; c++) dLogits[i * _c + c] = (float)((Math.Exp(z[c] - logSumExp) - 1.0 / _c) / n);
        }
        return loss;
    }

    /// <param name="gradients">in the order of <see cref="Parameters"/>; accumulated into</param>
    /// <param name="dInput">[rows, input dimension], overwritten with dLoss/dEmbedding; empty to skip</param>
    public void Backward(IReadOnlyList<float[]> x, ReadOnlySpan<int> rows, List<float[]> gradients, Span<float> dInput = default)
    {
        bool hasHidden = head.HiddenWeight is not null, wantInput = !dInput.IsEmpty;
        int d = head.InputDimension, o = hasHidden ? 2 : 0;
        if (wantInput && dInput.Length != rows.Length * d) throw new ArgumentException($"dInput has {dInput.Length} floats, expected {rows.Length}·{d}");
        float[] dOutW = gradients[o], dOutB = gradients[o + 1];
        for (int r = 0; r < rows.Length; r++)
        {
            var hidden = _hidden.AsSpan(r * _k, _k);
            var dLogits = _dLogits.AsSpan(r * _c, _c);
            // dHidden = W_outᵀ dLogits; without a hidden layer the "hidden" vector is the embedding itself.
            var dHidden = hasHidden || !wantInput ? _dHidden.AsSpan() : dInput.Slice(r * d, d);
            dHidden.Clear();
            for (int c = 0; c < _c; c++)
            {
                float g = dLogits[c];
                if (g == 0) continue;
                var dRow = dOutW.AsSpan(c * _k, _k);
                TensorPrimitives.MultiplyAdd(hidden, g, dRow, dRow);
                dOutB[c] += g;
                if (hasHidden || wantInput) TensorPrimitives.MultiplyAdd(head.OutputWeight.AsSpan(c * _k, _k), g, dHidden, dHidden);
            }
            if (!hasHidden) continue;
            float[] dHidW = gradients[0], dHidB = gradients[1];
            var dIn = wantInput ? dInput.Slice(r * d, d) : Span<float>.Empty;
            dIn.Clear();
            for (int j = 0; j < _k; j++)
            {
                float g = (float)(_dHidden[j] * head.ActivationDerivative(_pre[r * _k + j]));
                if (g == 0) continue;
                var dRow = dHidW.AsSpan(j * d, d);
                TensorPrimitives.MultiplyAdd(x[rows[r]], g, dRow, dRow);
                dHidB[j] += g;
                if (wantInput) TensorPrimitives.MultiplyAdd(head.HiddenWeight!.AsSpan(j * d, d), g, dIn, dIn);
            }
        }
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
}
