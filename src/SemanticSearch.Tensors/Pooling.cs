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
}
