namespace SemanticSearch.Tensors;

/// <summary>Layer normalisation over the last dimension (PyTorch semantics, biased variance).</summary>
public static class LayerNorm
{
    /// <summary>
    /// output[r,:] = (input[r,:] − mean_r) · rstd_r · gamma + beta, rstd_r = 1/√(var_r + eps).
    /// input/output [rows, cols]; gamma/beta [cols]. mean and rstd ([rows]) are saved for the
    /// backward pass; pass empty spans to skip saving them. output may alias input.
    /// </summary>
    public static void Forward(Span<float> output, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> input,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, int rows, int cols, float eps)
    {
        const string K = nameof(LayerNorm);
        if (rows < 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), $"{K}: need rows ≥ 0 and cols > 0 (rows={rows}, cols={cols}).");
        PackedSequences.RequireLength(input.Length, (long)rows * cols, K, nameof(input));
        PackedSequences.RequireLength(output.Length, (long)rows * cols, K, nameof(output));
        PackedSequences.RequireLength(gamma.Length, cols, K, nameof(gamma));
        PackedSequences.RequireLength(beta.Length, cols, K, nameof(beta));
        if (!mean.IsEmpty) PackedSequences.RequireLength(mean.Length, rows, K, nameof(mean));
        if (!rstd.IsEmpty) PackedSequences.RequireLength(rstd.Length, rows, K, nameof(rstd));

        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * cols, cols);
            var o = output.Slice(r * cols, cols);
            // Two-pass statistics; each sum has a length-only order (RowReductions).
            float m = RowReductions.Sum(x) / cols;
            float v = RowReductions.SumSquaredDeviations(x, m) / cols;
            float s = 1f / MathF.Sqrt(v + eps);
            for (int c = 0; c < cols; c++) o[c] = (x[c] - m) * s * gamma[c] + beta[c];
            if (!mean.IsEmpty) mean[r] = m;
            if (!rstd.IsEmpty) rstd[r] = s;
        }
    }
}
