using System.Numerics.Tensors;

namespace SemanticSearch.Tensors;

/// <summary>Sentence pooling over all tokens of each packed sequence (CLS and SEP included, as in sentence-transformers).</summary>
public static class Pooling
{
    /// <summary>
    /// output [S,H] from input [T,H]. Cls: first token. Mean: Σ/L. Max: element-wise max.
    /// MeanSqrtLen: Σ/√L. Sums run over tokens in order, so a sequence's result never depends on its neighbours.
    /// </summary>
    public static void Forward(PoolingMode mode, Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<int> seqOffsets, int hidden)
    {
        const string K = nameof(Pooling);
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), $"{K}: hidden must be positive, got {hidden}.");
        int tokens = PackedSequences.Validate(seqOffsets, K);
        int sequences = seqOffsets.Length - 1;
        PackedSequences.RequireLength(input.Length, (long)tokens * hidden, K, nameof(input));
        PackedSequences.RequireLength(output.Length, (long)sequences * hidden, K, nameof(output));

        for (int s = 0; s < sequences; s++)
        {
            int start = seqOffsets[s], length = seqOffsets[s + 1] - start;
            if (length == 0) throw new ArgumentException($"{K}: sequence {s} is empty; every sequence needs at least one token.", nameof(seqOffsets));
            var o = output.Slice(s * hidden, hidden);
            input.Slice(start * hidden, hidden).CopyTo(o);
            switch (mode)
            {
                case PoolingMode.Cls:
                    break;
                case PoolingMode.Max:
                    for (int t = 1; t < length; t++) TensorPrimitives.Max(o, input.Slice((start + t) * hidden, hidden), o);
                    break;
                case PoolingMode.Mean:
                case PoolingMode.MeanSqrtLen:
                    for (int t = 1; t < length; t++) TensorPrimitives.Add(o, input.Slice((start + t) * hidden, hidden), o);
                    float divisor = mode == PoolingMode.Mean ? length : MathF.Sqrt(length);
                    TensorPrimitives.Divide(o, divisor, o);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(mode), $"{K}: unknown pooling mode {mode}.");
            }
        }
    }

    /// <summary>
    /// dInput [T,H] += the gradient of <see cref="Forward"/> for dOutput [S,H]. Cls: to the first token. Mean: dy/L
    /// to every token. MeanSqrtLen: dy/√L. Max: each channel to the token holding the maximum (the first one on
    /// ties), found again from input [T,H]. Sequences own disjoint token rows.
    /// </summary>
    public static void Backward(PoolingMode mode, Span<float> dInput, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input,
        ReadOnlySpan<int> seqOffsets, int hidden)
    {
        const string K = nameof(Pooling);
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), $"{K}: hidden must be positive, got {hidden}.");
        int tokens = PackedSequences.Validate(seqOffsets, K);
        int sequences = seqOffsets.Length - 1;
        PackedSequences.RequireLength(dInput.Length, (long)tokens * hidden, K, nameof(dInput));
        PackedSequences.RequireLength(dOutput.Length, (long)sequences * hidden, K, nameof(dOutput));
        if (mode == PoolingMode.Max) PackedSequences.RequireLength(input.Length, (long)tokens * hidden, K, nameof(input));

        for (int s = 0; s < sequences; s++)
        {
            int start = seqOffsets[s], length = seqOffsets[s + 1] - start;
            if (length == 0) throw new ArgumentException($"{K}: sequence {s} is empty; every sequence needs at least one token.", nameof(seqOffsets));
            var dy = dOutput.Slice(s * hidden, hidden);
            switch (mode)
            {
                case PoolingMode.Cls:
                    TensorPrimitives.Add(dInput.Slice(start * hidden, hidden), dy, dInput.Slice(start * hidden, hidden));
                    break;
                case PoolingMode.Mean:
                case PoolingMode.MeanSqrtLen:
                    float divisor = mode == PoolingMode.Mean ? length : MathF.Sqrt(length);
                    for (int t = 0; t < length; t++)
                    {
                        var dx = dInput.Slice((start + t) * hidden, hidden);
                        for (int c = 0; c < hidden; c++) dx[c] += dy[c] / divisor; // same rounding as the forward's division
                    }
                    break;
                case PoolingMode.Max:
                    for (int c = 0; c < hidden; c++)
                    {
                        int best = 0;
                        float bestValue = input[start * hidden + c];
                        for (int t = 1; t < length; t++)
                        {
                            float v = input[(start + t) * hidden + c];
                            if (v > bestValue) { bestValue = v; best = t; }
                        }
                        dInput[(start + best) * hidden + c] += dy[c];
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(mode), $"{K}: unknown pooling mode {mode}.");
            }
        }
    }
}
