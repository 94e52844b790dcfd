using System.Numerics.Tensors;

namespace SemanticSearch.Tensors;

/// <summary>Row-wise L2 normalisation like torch.nn.functional.normalize(p=2, eps=1e-12).</summary>
public static class L2Normalize
{
    /// <summary>output[r,:] = x / max(‖x‖₂, 1e-12); input/output [rows, cols]; may alias.</summary>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, int rows, int cols)
    {
        const string K = nameof(L2Normalize);
        if (rows < 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), $"{K}: need rows ≥ 0 and cols > 0 (rows={rows}, cols={cols}).");
        PackedSequences.RequireLength(input.Length, (long)rows * cols, K, nameof(input));
        PackedSequences.RequireLength(output.Length, (long)rows * cols, K, nameof(output));
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * cols, cols);
            float norm = MathF.Sqrt(RowReductions.SumSquaredDeviations(x, 0f));
            TensorPrimitives.Divide(x, MathF.Max(norm, 1e-12f), output.Slice(r * cols, cols));
        }
    }

    /// <summary>
    /// dInput[r,:] += (dy − y·(y·dy)) / n with y = x/n, n = ‖x‖₂; below the 1e-12 floor the op is x/1e-12
    /// (linear) and the gradient is dy/1e-12, as in torch. input is the forward's input; all [rows, cols].
    /// </summary>
    public static void Backward(Span<float> dInput, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input, int rows, int cols)
    {
        const string K = nameof(L2Normalize);
        if (rows < 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), $"{K}: need rows ≥ 0 and cols > 0 (rows={rows}, cols={cols}).");
        PackedSequences.RequireLength(input.Length, (long)rows * cols, K, nameof(input));
        PackedSequences.RequireLength(dOutput.Length, (long)rows * cols, K, nameof(dOutput));
        PackedSequences.RequireLength(dInput.Length, (long)rows * cols, K, nameof(dInput));
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * cols, cols);
            var dy = dOutput.Slice(r * cols, cols);
            var dx = dInput.Slice(r * cols, cols);
            float norm = MathF.Sqrt(RowReductions.SumSquaredDeviations(x, 0f));
            if (norm <= 1e-12f)
            {
                for (int c = 0; c < cols; c++) dx[c] += dy[c] / 1e-12f;
                continue;
            }
            float inv = 1f / norm;
            double ydy = 0;
            for (int c = 0; c < cols; c++) ydy += x[c] * inv * dy[c];
            float dot = (float)ydy;
            for (int c = 0; c < cols; c++) dx[c] += (dy[c] - x[c] * inv * dot) * inv;
        }
    }
}
