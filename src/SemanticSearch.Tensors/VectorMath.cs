using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>
/// Float transcendental functions on Vector256 lanes, written with explicit FMA/Horner steps so a
/// value's result depends only on the value (never on where it sits in a span or on TensorPrimitives'
/// width/alignment choices) — needed for bit-identical embeddings across batches.
/// </summary>
internal static class VectorMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;          // ln 2 split so n·Ln2Hi is exact for |n| < 2^9
    private const float Ln2Lo = -2.12194440054690583e-4f;
    private const float RoundMagic = 12582912f;         // 1.5·2^23: adding it rounds to nearest integer
    private const float ExpOverflow = 88.7228394f;       // ln(float.MaxValue)
    private const float ExpLowClamp = -104f;             // exp(-104) < smallest subnormal / 2

    /// <summary>e^x, ≤ 2 ulp for normal results; +inf above ln(MaxValue), 0 far below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLowClamp)), Vector256.Create(ExpOverflow));
        // x = n·ln2 + r, |r| ≤ ln2/2
        var n = Vector256.FusedMultiplyAdd(xc, Vector256.Create(Log2E), Vector256.Create(RoundMagic)) - Vector256.Create(RoundMagic);
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), xc);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        // e^r by its Taylor series to r^7 (truncation < 5e-9 relative on |r| ≤ 0.347).
        var p = Vector256.Create(1f / 5040f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 720f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 120f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 24f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 6f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        // Scale by 2^n in two halves so neither power leaves the normal exponent range.
        var ni = Vector256.ConvertToInt32(n);
        var n1 = Vector256.ShiftRightArithmetic(ni, 1);
        var n2 = ni - n1;
        var s1 = Vector256.ShiftLeft(n1 + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(n2 + Vector256.Create(127), 23).AsSingle();
        var result = p * s1 * s2;
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(ExpOverflow)),
            Vector256.Create(float.PositiveInfinity), result);
    }

    /// <summary>
    /// erf(x), absolute error below 5e-7. |x| &lt; 0.5: Maclaurin series x·P(x²) (keeps relative accuracy
    /// near zero); otherwise Abramowitz–Stegun 7.1.26, 1 − t·Q(t)·e^(−x²), t = 1/(1 + 0.3275911|x|).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var x2 = x * x;
        // Small |x|: 2/√π · Σ (−1)^j x^(2j+1) / (j!(2j+1)), j ≤ 6.
        var s = Vector256.Create(1f / 9360f);
        s = Vector256.FusedMultiplyAdd(s, x2, Vector256.Create(-1f / 1320f));
        s = Vector256.FusedMultiplyAdd(s, x2, Vector256.Create(1f / 216f));
        s = Vector256.FusedMultiplyAdd(s, x2, Vector256.Create(-1f / 42f));
        s = Vector256.FusedMultiplyAdd(s, x2, Vector256.Create(1f / 10f));
        s = Vector256.FusedMultiplyAdd(s, x2, Vector256.Create(-1f / 3f));
        s = Vector256.FusedMultiplyAdd(s, x2, Vector256<float>.One);
        var small = x * s * Vector256.Create(1.12837916709551257f);
        // Large |x|.
        var t = Vector256<float>.One / Vector256.FusedMultiplyAdd(ax, Vector256.Create(0.3275911f), Vector256<float>.One);
        var q = Vector256.Create(1.061405429f);
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-1.453152027f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(1.421413741f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(-0.284496736f));
        q = Vector256.FusedMultiplyAdd(q, t, Vector256.Create(0.254829592f));
        var large = Vector256<float>.One - q * t * Exp(-x2);
        large = Vector256.CopySign(large, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.5f)), small, large);
    }

    /// <summary>tanh(x) = sign(x)·(1 − 2/(e^(2|x|) + 1)); absolute error ~1e-7, saturates cleanly to ±1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var e = Exp(Vector256.Abs(x) * Vector256.Create(2f));
        var y = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        return Vector256.CopySign(y, x);
    }
}
