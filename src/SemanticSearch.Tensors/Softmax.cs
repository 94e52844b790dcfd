using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        if (x.Length <= 16 && Avx.IsSupported)
        {
            ForwardShortRow(o, x);
            return;
        }
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

    // Rows of up to 16 (attention over short texts): the same values as the general path bit for bit —
    // exact max, the same Exp per lane, RowReductions.Sum's combine order for ≤ 16 elements (a0 + a1, then
    // halves, then (0+2)+(1+3)), correctly rounded divides — but in registers, with masked loads/stores instead
    // of five library calls and a padded copy, whose fixed costs dominate at this length.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardShortRow(Span<float> o, ReadOnlySpan<float> x)
    {
        int n = x.Length;
        if (n == 0) return;
        var lane = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        var valid0 = Vector256.LessThan(lane, Vector256.Create((float)n));
        var valid1 = Vector256.LessThan(lane, Vector256.Create((float)(n - 8)));
        var negInf = Vector256.Create(float.NegativeInfinity);
        fixed (float* px = x, po = o)
        {
            var x0 = Vector256.ConditionalSelect(valid0, Avx.MaskLoad(px, valid0), negInf);
            var x1 = Vector256.ConditionalSelect(valid1, Avx.MaskLoad(px + 8, valid1), negInf);
            var m = Vector256.Max(x0, x1); // IEEE maximum: NaN propagates as in TensorPrimitives.Max
            var h = Vector128.Max(m.GetLower(), m.GetUpper());
            float max = MathF.Max(MathF.Max(h.GetElement(0), h.GetElement(1)), MathF.Max(h.GetElement(2), h.GetElement(3)));
            var mv = Vector256.Create(max);
            var e0 = Vector256.ConditionalSelect(valid0, VectorMath.Exp(x0 - mv), Vector256<float>.Zero);
            var e1 = Vector256.ConditionalSelect(valid1, VectorMath.Exp(x1 - mv), Vector256<float>.Zero);
            var v = e0 + e1;
            var q = v.GetLower() + v.GetUpper();
            float sum = (q.GetElement(0) + q.GetElement(2)) + (q.GetElement(1) + q.GetElement(3));
            var sv = Vector256.Create(sum);
            Avx.MaskStore(po, valid0, e0 / sv);
            Avx.MaskStore(po + 8, valid1, e1 / sv);
        }
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
