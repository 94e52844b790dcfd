using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>
/// 6×16 AVX2/FMA micro-kernel: 12 ymm accumulators + 2 B vectors + 1 broadcast A = 15 of 16 registers.
/// Per k step: 2 B loads, 6 broadcasts, 12 FMAs (two FMA pipes on Zen/Haswell → 6 cycles, load-bound-free).
/// </summary>
internal static unsafe class Vector256MicroKernel
{
    public const int MR = 6;
    public const int NR = 16;

    // a: packed [kc, 6], b: packed [kc, 16], c: [6, 16] with row stride ldc.
    // Fully optimised from the first call: tier-0 code here would run ~10× slower for the first GEMMs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* a, float* b, float* c, nint ldc, int kc)
    {
        float* c0 = c, c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector256<float> c00 = Vector256.Load(c0), c01 = Vector256.Load(c0 + 8);
        Vector256<float> c10 = Vector256.Load(c1), c11 = Vector256.Load(c1 + 8);
        Vector256<float> c20 = Vector256.Load(c2), c21 = Vector256.Load(c2 + 8);
        Vector256<float> c30 = Vector256.Load(c3), c31 = Vector256.Load(c3 + 8);
        Vector256<float> c40 = Vector256.Load(c4), c41 = Vector256.Load(c4 + 8);
        Vector256<float> c50 = Vector256.Load(c5), c51 = Vector256.Load(c5 + 8);
        // Unrolled by 4 k steps: fewer loop-counter µops competing with the 12 FMAs per step.
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            Step(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + MR, b + NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + 2 * MR, b + 2 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + 3 * MR, b + 3 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 4 * MR;
            b += 4 * NR;
        }
        for (; p < kc; p++)
        {
            Step(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += MR;
            b += NR;
        }
        c00.Store(c0); c01.Store(c0 + 8);
        c10.Store(c1); c11.Store(c1 + 8);
        c20.Store(c2); c21.Store(c2 + 8);
        c30.Store(c3); c31.Store(c3 + 8);
        c40.Store(c4); c41.Store(c4 + 8);
        c50.Store(c5); c51.Store(c5 + 8);
    }

    // As Run, but A rows are read in place: row r is a + r·lda, element p at (a + r·lda)[p].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowsInPlace(float* a, nint lda, float* b, float* c, nint ldc, int kc)
    {
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        float* c0 = c, c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector256<float> c00 = Vector256.Load(c0), c01 = Vector256.Load(c0 + 8);
        Vector256<float> c10 = Vector256.Load(c1), c11 = Vector256.Load(c1 + 8);
        Vector256<float> c20 = Vector256.Load(c2), c21 = Vector256.Load(c2 + 8);
        Vector256<float> c30 = Vector256.Load(c3), c31 = Vector256.Load(c3 + 8);
        Vector256<float> c40 = Vector256.Load(c4), c41 = Vector256.Load(c4 + 8);
        Vector256<float> c50 = Vector256.Load(c5), c51 = Vector256.Load(c5 + 8);
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> ai = Vector256.Create(a0[p]);
            c00 = Vector256.FusedMultiplyAdd(ai, b0, c00); c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a1[p]);
            c10 = Vector256.FusedMultiplyAdd(ai, b0, c10); c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a2[p]);
            c20 = Vector256.FusedMultiplyAdd(ai, b0, c20); c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a3[p]);
            c30 = Vector256.FusedMultiplyAdd(ai, b0, c30); c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a4[p]);
            c40 = Vector256.FusedMultiplyAdd(ai, b0, c40); c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a5[p]);
            c50 = Vector256.FusedMultiplyAdd(ai, b0, c50); c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
            b += NR;
        }
        c00.Store(c0); c01.Store(c0 + 8);
        c10.Store(c1); c11.Store(c1 + 8);
        c20.Store(c2); c21.Store(c2 + 8);
        c30.Store(c3); c31.Store(c3 + 8);
        c40.Store(c4); c41.Store(c4 + 8);
        c50.Store(c5); c51.Store(c5 + 8);
    }

    // One k step: C[0..6, 0..16] += a[0..6] ⊗ b[0..16].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(float* a, float* b,
        ref Vector256<float> c00, ref Vector256<float> c01, ref Vector256<float> c10, ref Vector256<float> c11,
        ref Vector256<float> c20, ref Vector256<float> c21, ref Vector256<float> c30, ref Vector256<float> c31,
        ref Vector256<float> c40, ref Vector256<float> c41, ref Vector256<float> c50, ref Vector256<float> c51)
    {
        Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
        Vector256<float> ai = Vector256.Create(a[0]);
        c00 = Vector256.FusedMultiplyAdd(ai, b0, c00); c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
        ai = Vector256.Create(a[1]);
        c10 = Vector256.FusedMultiplyAdd(ai, b0, c10); c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
        ai = Vector256.Create(a[2]);
        c20 = Vector256.FusedMultiplyAdd(ai, b0, c20); c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
        ai = Vector256.Create(a[3]);
        c30 = Vector256.FusedMultiplyAdd(ai, b0, c30); c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
        ai = Vector256.Create(a[4]);
        c40 = Vector256.FusedMultiplyAdd(ai, b0, c40); c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
        ai = Vector256.Create(a[5]);
        c50 = Vector256.FusedMultiplyAdd(ai, b0, c50); c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
    }
}
