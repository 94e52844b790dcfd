using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SemanticSearch.Tensors;

/// <summary>
/// One integer GEMM micro-kernel: tile[MR, NR] (int32) = Σ_p A[r, 2p..2p+1] · B[2p..2p+1, c] over
/// <c>pairs</c> k pairs. A rows are int8 values widened to int16 and read in place (row r at a + r·lda
/// shorts, k padded to even with a zero); B is one packed panel of NR columns, [pairs][NR] int32, each
/// int32 holding the int16 pair (W[c, 2p], W[c, 2p+1]).
/// Every variant computes the same exact integer sum (|value| ≤ 127, so a pair product fits int16·int16
/// → int32 without saturation and K ≤ <see cref="MaxK"/> keeps the sum in int32): integer addition is
/// associative, so the variants, the tile position and the thread split cannot change a single bit.
/// </summary>
internal sealed unsafe class Int8MicroKernel
{
    public const int MR = 6;
    public const int NR = 16;
    /// <summary>Longest K whose worst-case sum 127·127·K fits int32.</summary>
    public const int MaxK = int.MaxValue / (127 * 127);

    public string Name { get; }
    /// <summary>(a, lda in shorts, packed B panel, pairs, tile [MR·NR] int32 out).</summary>
    public delegate*<short*, nint, int*, int, int*, void> Run { get; }

    private Int8MicroKernel(string name, delegate*<short*, nint, int*, int, int*, void> run) { Name = name; Run = run; }

    /// <summary>VPDPWSSD (AVX-VNNI, VEX): multiply int16 pairs and add into int32 in one instruction.</summary>
    public static readonly Int8MicroKernel AvxVnniKernel = new("avxvnni-vpdpwssd-6x16", &Vector256Int8Kernel.Run<AvxVnniPairDot>);
    /// <summary>VPMADDWD + VPADDD (AVX2): the same sums in two instructions.</summary>
    public static readonly Int8MicroKernel Avx2Kernel = new("avx2-vpmaddwd-6x16", &Vector256Int8Kernel.Run<Avx2PairDot>);
    /// <summary>Plain loops: the reference the SIMD variants are tested against.</summary>
    public static readonly Int8MicroKernel ScalarKernel = new("scalar-6x16", &ScalarInt8Kernel.Run);

    /// <summary>
    /// AVX-VNNI where the CPU has it, else AVX2, else scalar. .NET 10 exposes VNNI only in its VEX form
    /// (<see cref="AvxVnni"/>: Intel Alder Lake / Sapphire Rapids on, AMD Zen 5); a CPU with only the
    /// EVEX AVX512-VNNI (Zen 4, Ice Lake server) runs the AVX2 kernel.
    /// </summary>
    public static Int8MicroKernel Best =>
        AvxVnni.IsSupported ? AvxVnniKernel : Avx2.IsSupported ? Avx2Kernel : ScalarKernel;

    /// <summary>The kernels this CPU can run, best first (tests run each of them).</summary>
    public static IReadOnlyList<Int8MicroKernel> Supported =>
        new[] { AvxVnni.IsSupported ? AvxVnniKernel : null, Avx2.IsSupported ? Avx2Kernel : null, ScalarKernel }
            .Where(k => k is not null).ToArray()!;
}

/// <summary>acc + Σ pairwise int16 products, per int32 lane.</summary>
internal interface IPairDot
{
    static abstract Vector256<int> Accumulate(Vector256<int> acc, Vector256<short> a, Vector256<short> b);
}

internal struct Avx2PairDot : IPairDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Accumulate(Vector256<int> acc, Vector256<short> a, Vector256<short> b) =>
        Avx2.Add(acc, Avx2.MultiplyAddAdjacent(a, b));
}

internal struct AvxVnniPairDot : IPairDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Accumulate(Vector256<int> acc, Vector256<short> a, Vector256<short> b) =>
        AvxVnni.MultiplyWideningAndAdd(acc, a, b);
}

/// <summary>
/// 6×16 int32 tile in 12 ymm accumulators; per k pair: 2 B loads, 6 broadcast A pairs, 12 pair-dots
/// (16 multiply-adds each, against 8 for a float FMA).
/// </summary>
internal static unsafe class Vector256Int8Kernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TDot>(short* a, nint lda, int* b, int pairs, int* tile) where TDot : struct, IPairDot
    {
        int* a0 = (int*)a, a1 = (int*)(a + lda), a2 = (int*)(a + 2 * lda), a3 = (int*)(a + 3 * lda), a4 = (int*)(a + 4 * lda), a5 = (int*)(a + 5 * lda);
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // Two k pairs per iteration: fewer loop-counter µops beside the 24 multiply-adds.
        int p = 0;
        for (; p + 2 <= pairs; p += 2)
        {
            Step<TDot>(a0, a1, a2, a3, a4, a5, p, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<TDot>(a0, a1, a2, a3, a4, a5, p + 1, b + Int8MicroKernel.NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            b += 2 * Int8MicroKernel.NR;
        }
        if (p < pairs)
            Step<TDot>(a0, a1, a2, a3, a4, a5, p, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
    }

    // One k pair: tile[0..6, 0..16] += A[r, pair p] · B panel row p.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TDot>(int* a0, int* a1, int* a2, int* a3, int* a4, int* a5, int p, int* b,
        ref Vector256<int> c00, ref Vector256<int> c01, ref Vector256<int> c10, ref Vector256<int> c11,
        ref Vector256<int> c20, ref Vector256<int> c21, ref Vector256<int> c30, ref Vector256<int> c31,
        ref Vector256<int> c40, ref Vector256<int> c41, ref Vector256<int> c50, ref Vector256<int> c51) where TDot : struct, IPairDot
    {
        var b0 = Vector256.Load(b).AsInt16();
        var b1 = Vector256.Load(b + 8).AsInt16();
        var ai = Vector256.Create(a0[p]).AsInt16();
        c00 = TDot.Accumulate(c00, ai, b0); c01 = TDot.Accumulate(c01, ai, b1);
        ai = Vector256.Create(a1[p]).AsInt16();
        c10 = TDot.Accumulate(c10, ai, b0); c11 = TDot.Accumulate(c11, ai, b1);
        ai = Vector256.Create(a2[p]).AsInt16();
        c20 = TDot.Accumulate(c20, ai, b0); c21 = TDot.Accumulate(c21, ai, b1);
        ai = Vector256.Create(a3[p]).AsInt16();
        c30 = TDot.Accumulate(c30, ai, b0); c31 = TDot.Accumulate(c31, ai, b1);
        ai = Vector256.Create(a4[p]).AsInt16();
        c40 = TDot.Accumulate(c40, ai, b0); c41 = TDot.Accumulate(c41, ai, b1);
        ai = Vector256.Create(a5[p]).AsInt16();
        c50 = TDot.Accumulate(c50, ai, b0); c51 = TDot.Accumulate(c51, ai, b1);
    }
}

internal static unsafe class ScalarInt8Kernel
{
    public static void Run(short* a, nint lda, int* b, int pairs, int* tile)
    {
        const int MR = Int8MicroKernel.MR, NR = Int8MicroKernel.NR;
        short* pb = (short*)b;
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++)
            {
                int sum = 0;
                for (int p = 0; p < pairs; p++)
                    sum += a[r * lda + 2 * p] * pb[(p * NR + c) * 2] + a[r * lda + 2 * p + 1] * pb[(p * NR + c) * 2 + 1];
                tile[r * NR + c] = sum;
            }
    }
}
