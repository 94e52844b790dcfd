using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>
/// Sums whose order of additions depends only on the length: 4×8 lane accumulators over blocks of 32,
/// zero-padded tail, then a fixed combine. (TensorPrimitives.Sum may peel for alignment, which would
/// make a row's result depend on its address — i.e. on the batch it was in.)
/// </summary>
internal static class RowReductions
{
    /// <summary>Σ x[i].</summary>
    public static float Sum(ReadOnlySpan<float> x) => SumCore(x, 0f, squareCentered: false);

    /// <summary>Σ (x[i] − center)².</summary>
    public static float SumSquaredDeviations(ReadOnlySpan<float> x, float center) => SumCore(x, center, squareCentered: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SumCore(ReadOnlySpan<float> x, float center, bool squareCentered)
    {
        var c = Vector256.Create(center);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int n = x.Length, i = 0;
        for (; i + 32 <= n; i += 32)
        {
            a0 = Accumulate(a0, Vector256.Create(x.Slice(i, 8)), c, squareCentered);
            a1 = Accumulate(a1, Vector256.Create(x.Slice(i + 8, 8)), c, squareCentered);
            a2 = Accumulate(a2, Vector256.Create(x.Slice(i + 16, 8)), c, squareCentered);
            a3 = Accumulate(a3, Vector256.Create(x.Slice(i + 24, 8)), c, squareCentered);
        }
        if (i < n)
        {
            // Tail: pad with the center so padded lanes contribute exactly zero in both modes.
            Span<float> pad = stackalloc float[32];
            pad.Fill(squareCentered ? center : 0f);
            x[i..].CopyTo(pad);
            a0 = Accumulate(a0, Vector256.Create((ReadOnlySpan<float>)pad[..8]), c, squareCentered);
            a1 = Accumulate(a1, Vector256.Create((ReadOnlySpan<float>)pad.Slice(8, 8)), c, squareCentered);
            a2 = Accumulate(a2, Vector256.Create((ReadOnlySpan<float>)pad.Slice(16, 8)), c, squareCentered);
            a3 = Accumulate(a3, Vector256.Create((ReadOnlySpan<float>)pad.Slice(24, 8)), c, squareCentered);
        }
        var v = (a0 + a1) + (a2 + a3);
        var h = v.GetLower() + v.GetUpper();              // 4 lanes
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }

    private static Vector256<float> Accumulate(Vector256<float> acc, Vector256<float> x, Vector256<float> center, bool squareCentered)
    {
        if (!squareCentered) return acc + x;
        var d = x - center;
        return Vector256.FusedMultiplyAdd(d, d, acc);
    }
}
