using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>Layer normalisation over the last dimension (PyTorch semantics, biased variance).</summary>
public static class LayerNorm
{
    /// <summary>
    /// output[r,:] = (input[r,:] − mean_r) · rstd_r · gamma + beta, rstd_r = 1/√(var_r + eps).
    /// input/output [rows, cols]; gamma/beta [cols]. mean and rstd ([rows]) are saved for the
    /// backward pass; pass empty spans to skip saving them. output may alias input.
    /// </summary>
    public static unsafe void Forward(Span<float> output, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> input,
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

        // Rows are independent: split them over the compute threads for big batches (each row's arithmetic is
        // the same whichever thread runs it). Training saves mean/rstd, so those go through pointers too.
        int threads = Math.Min(ComputeThreads.Count, (int)Math.Min(int.MaxValue, (long)rows * cols / MinElementsPerThread));
        if (threads <= 1)
        {
            ForwardRows(output, mean, rstd, input, gamma, beta, 0, rows, cols, eps);
            return;
        }
        int chunks = threads * 2, rowsPerChunk = (rows + chunks - 1) / chunks;
        chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        fixed (float* po = output, pm = mean, ps = rstd, pi = input, pg = gamma, pb = beta)
        {
            nint o = (nint)po, mu = mean.IsEmpty ? 0 : (nint)pm, sd = rstd.IsEmpty ? 0 : (nint)ps, i = (nint)pi, g = (nint)pg, b = (nint)pb;
            long total = (long)rows * cols;
            ComputeThreads.For(chunks, chunk =>
            {
                int r0 = chunk * rowsPerChunk, r1 = Math.Min(rows, r0 + rowsPerChunk);
                ForwardRows(new Span<float>((float*)o, (int)total),
                    mu == 0 ? Span<float>.Empty : new Span<float>((float*)mu, rows),
                    sd == 0 ? Span<float>.Empty : new Span<float>((float*)sd, rows),
                    new ReadOnlySpan<float>((float*)i, (int)total), new ReadOnlySpan<float>((float*)g, cols),
                    new ReadOnlySpan<float>((float*)b, cols), r0, r1, cols, eps);
            });
        }
    }

    // Below this many elements per thread a parallel region costs more than it saves.
    private const int MinElementsPerThread = 1 << 15;

    private static void ForwardRows(Span<float> output, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> input,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, int r0, int r1, int cols, float eps)
    {
        for (int r = r0; r < r1; r++)
        {
            var x = input.Slice(r * cols, cols);
            var o = output.Slice(r * cols, cols);
            // Two-pass statistics; each sum has a length-only order (RowReductions).
            float m = RowReductions.Sum(x) / cols;
            float v = RowReductions.SumSquaredDeviations(x, m) / cols;
            float s = 1f / MathF.Sqrt(v + eps);
            // Same separately rounded sub, mul, mul, add per element as the scalar tail (no FMA), 8 lanes at a time.
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var mv = Vector256.Create(m);
                var sv = Vector256.Create(s);
                for (; c + 8 <= cols; c += 8)
                {
                    var y = (Vector256.Create(x.Slice(c, 8)) - mv) * sv * Vector256.Create(gamma.Slice(c, 8)) + Vector256.Create(beta.Slice(c, 8));
                    y.CopyTo(o.Slice(c, 8));
                }
            }
            for (; c < cols; c++) o[c] = (x[c] - m) * s * gamma[c] + beta[c];
            if (!mean.IsEmpty) mean[r] = m;
            if (!rstd.IsEmpty) rstd[r] = s;
        }
    }

    /// <summary>
    /// Backward from the saved statistics. x̂ = (x − mean)·rstd, g = dOutput·gamma:
    /// dInput += rstd·(g − mean(g) − x̂·mean(g·x̂)), dGamma += Σ_rows dOutput·x̂, dBeta += Σ_rows dOutput.
    /// dInput/dOutput/input [rows, cols]; gamma, dGamma, dBeta [cols] (dGamma/dBeta may be empty: frozen);
    /// mean/rstd [rows] from <see cref="Forward"/>. Rows run in order, so the parameter sums are deterministic.
    /// </summary>
    public static void Backward(Span<float> dInput, Span<float> dGamma, Span<float> dBeta, ReadOnlySpan<float> dOutput,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int rows, int cols)
    {
        const string K = nameof(LayerNorm);
        if (rows < 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), $"{K}: need rows ≥ 0 and cols > 0 (rows={rows}, cols={cols}).");
        PackedSequences.RequireLength(input.Length, (long)rows * cols, K, nameof(input));
        PackedSequences.RequireLength(dOutput.Length, (long)rows * cols, K, nameof(dOutput));
        PackedSequences.RequireLength(dInput.Length, (long)rows * cols, K, nameof(dInput));
        PackedSequences.RequireLength(gamma.Length, cols, K, nameof(gamma));
        PackedSequences.RequireLength(mean.Length, rows, K, nameof(mean));
        PackedSequences.RequireLength(rstd.Length, rows, K, nameof(rstd));
        if (!dGamma.IsEmpty) PackedSequences.RequireLength(dGamma.Length, cols, K, nameof(dGamma));
        if (!dBeta.IsEmpty) PackedSequences.RequireLength(dBeta.Length, cols, K, nameof(dBeta));

        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * cols, cols);
            var dy = dOutput.Slice(r * cols, cols);
            var dx = dInput.Slice(r * cols, cols);
            float m = mean[r], s = rstd[r];
            // Two row means first (in double: they are differences of similar sums), then one pass writing dx.
            double meanG = 0, meanGxhat = 0;
            for (int c = 0; c < cols; c++)
            {
                float xhat = (x[c] - m) * s;
                float g = dy[c] * gamma[c];
                meanG += g;
                meanGxhat += g * xhat;
            }
            float mg = (float)(meanG / cols), mgx = (float)(meanGxhat / cols);
            for (int c = 0; c < cols; c++)
            {
                float xhat = (x[c] - m) * s;
                float g = dy[c] * gamma[c];
                dx[c] += s * (g - mg - xhat * mgx);
                if (!dGamma.IsEmpty) dGamma[c] += dy[c] * xhat;
                if (!dBeta.IsEmpty) dBeta[c] += dy[c];
            }
        }
    }
}
