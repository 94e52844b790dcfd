using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>
/// 6×32 AVX-512 micro-kernel, chosen when Vector512.IsHardwareAccelerated. Same shape of loop as
/// the 6×16 Vector256 kernel with zmm registers (12 accumulators of 32). On hardware without
/// AVX-512 the Vector512 API falls back to exact software FMA, which is how the tests check that
/// this kernel produces the same bits as the others.
/// </summary>
internal static unsafe class Vector512MicroKernel
{
    public const int MR = 6;
    public const int NR = 32;

    // a: packed [kc, 6], b: packed [kc, 32], c: [6, 32] with row stride ldc.
    // Fully optimised from the first call: tier-0 code here would run ~10× slower for the first GEMMs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* a, float* b, float* c, nint ldc, int kc)
    {
        float* c0 = c, c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector512<float> c00 = Vector512.Load(c0), c01 = Vector512.Load(c0 + 16);
        Vector512<float> c10 = Vector512.Load(c1), c11 = Vector512.Load(c1 + 16);
        Vector512<float> c20 = Vector512.Load(c2), c21 = Vector512.Load(c2 + 16);
        Vector512<float> c30 = Vector512.Load(c3), c31 = Vector512.Load(c3 + 16);
        Vector512<float> c40 = Vector512.Load(c4), c41 = Vector512.Load(c4 + 16);
        Vector512<float> c50 = Vector512.Load(c5), c51 = Vector512.Load(c5 + 16);
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            a += MR;
            b += NR;
        }
        c00.Store(c0); c01.Store(c0 + 16);
        c10.Store(c1); c11.Store(c1 + 16);
        c20.Store(c2); c21.Store(c2 + 16);
        c30.Store(c3); c31.Store(c3 + 16);
        c40.Store(c4); c41.Store(c4 + 16);
        c50.Store(c5); c51.Store(c5 + 16);
    }

    // As Run, but A rows are read in place: row r is a + r·lda, element p at (a + r·lda)[p].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowsInPlace(float* a, nint lda, float* b, float* c, nint ldc, int kc)
    {
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        float* c0 = c, c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector512<float> c00 = Vector512.Load(c0), c01 = Vector512.Load(c0 + 16);
        Vector512<float> c10 = Vector512.Load(c1), c11 = Vector512.Load(c1 + 16);
        Vector512<float> c20 = Vector512.Load(c2), c21 = Vector512.Load(c2 + 16);
        Vector512<float> c30 = Vector512.Load(c3), c31 = Vector512.Load(c3 + 16);
        Vector512<float> c40 = Vector512.Load(c4), c41 = Vector512.Load(c4 + 16);
        Vector512<float> c50 = Vector512.Load(c5), c51 = Vector512.Load(c5 + 16);
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ai = Vector512.Create(a0[p]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            b += NR;
        }
        c00.Store(c0); c01.Store(c0 + 16);
        c10.Store(c1); c11.Store(c1 + 16);
        c20.Store(c2); c21.Store(c2 + 16);
        c30.Store(c3); c31.Store(c3 + 16);
        c40.Store(c4); c41.Store(c4 + 16);
        c50.Store(c5); c51.Store(c5 + 16);
    }
}
