using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>Row-wise softmax, max-subtracted for stability.</summary>
public static class Softmax
{
    /// <summary>output[r,:] = exp(x − max) / Σ exp(x − max) per row; input/output [rows, cols]; may alias.</summary>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, int rows, int cols)
    {
        const string K = nameof(Softmax);
        if (rows < 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), $"{K}: need rows ≥ 0 and cols > 0 (rows={rows}, cols={cols}).");
        PackedSequences.RequireLength(input.Length, (long)rows * cols, K, nameof(input));
        PackedSequences.RequireLength(output.Length, (long)rows * cols, K, nameof(output));
        for (int r = 0; r < rows; r++)
            ForwardRow(output.Slice(r * cols, cols), input.Slice(r * cols, cols));
    }

    /// <summary>One row; shared with <see cref="Attention"/>. Every element takes the same vector path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardRow(Span<float> o, ReadOnlySpan<float> x)
    {
        int n = x.Length, i = 0;
        var max = Vector256.Create(TensorPrimitives.Max(x)); // max is exact in any order
        for (; i + 8 <= n; i += 8)
            VectorMath.Exp(Vector256.Create(x.Slice(i, 8)) - max).CopyTo(o.Slice(i, 8));
        if (i < n)
        {
            Span<float> pad = stackalloc float[8];
            pad.Clear();
            x[i..].CopyTo(pad);
            VectorMath.Exp(Vector256.Create((ReadOnlySpan<float>)pad) - max).CopyTo(pad);
            pad[..(n - i)].CopyTo(o[i..]);
        }
        float sum = RowReductions.Sum(o);
        TensorPrimitives.Divide(o, sum, o); // element-wise, correctly rounded whatever the path
    }

    /// <summary>dInput[r,:] += y ∘ (dy − Σ_c y·dy) from the saved output y; all [rows, cols].</summary>
    public static void Backward(Span<float> dInput, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> output, int rows, int cols)
    {
        const string K = nameof(Softmax);
        if (rows < 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), $"{K}: need rows ≥ 0 and cols > 0 (rows={rows}, cols={cols}).");
        PackedSequences.RequireLength(output.Length, (long)rows * cols, K, nameof(output));
        PackedSequences.RequireLength(dOutput.Length, (long)rows * cols, K, nameof(dOutput));
        PackedSequences.RequireLength(dInput.Length, (long)rows * cols, K, nameof(dInput));
        for (int r = 0; r < rows; r++)
            BackwardRow(dInput.Slice(r * cols, cols), dOutput.Slice(r * cols, cols), output.Slice(r * cols, cols));
    }

    /// <summary>One row; shared with <see cref="Attention"/>.</summary>
    internal static void BackwardRow(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y)
    {
        float dot = 0f;
        for (int j = 0; j < y.Length; j++) dot += y[j] * dy[j];
        for (int j = 0; j < y.Length; j++) dx[j] += y[j] * (dy[j] - dot);
    }
}
