namespace SemanticSearch.Tensors;

/// <summary>Fully connected layer y = x·Wᵀ + b with PyTorch's weight layout, via <see cref="Gemm"/>.</summary>
public static class Linear
{
    /// <summary>
    /// output [rows, outFeatures] = input [rows, inFeatures] · weightᵀ + bias.
    /// weight [outFeatures, inFeatures] (nn.Linear layout); bias [outFeatures] or empty.
    /// The bias seeds C and the GEMM accumulates onto it (beta = 1).
    /// </summary>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, int rows, int inFeatures, int outFeatures)
    {
        const string K = nameof(Linear);
        if (rows < 0 || inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"{K}: bad shape rows={rows}, in={inFeatures}, out={outFeatures}.");
        PackedSequences.RequireLength(input.Length, (long)rows * inFeatures, K, nameof(input));
        PackedSequences.RequireLength(output.Length, (long)rows * outFeatures, K, nameof(output));
        PackedSequences.RequireLength(weight.Length, (long)inFeatures * outFeatures, K, nameof(weight));
        if (!bias.IsEmpty) PackedSequences.RequireLength(bias.Length, outFeatures, K, nameof(bias));

        float beta = 0f;
        if (!bias.IsEmpty)
        {
            for (int r = 0; r < rows; r++) bias.CopyTo(output.Slice(r * outFeatures, outFeatures));
            beta = 1f;
        }
        Gemm.Sgemm(false, true, rows, outFeatures, inFeatures, 1f, input, inFeatures, weight, inFeatures, beta, output, outFeatures);
    }
}
