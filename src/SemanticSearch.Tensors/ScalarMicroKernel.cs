using System.Runtime.CompilerServices;

namespace SemanticSearch.Tensors;

/// <summary>
/// Portable 4×4 fallback for hardware without wide SIMD. Uses MathF.FusedMultiplyAdd so every C
/// element sees the same single-rounding update as in the vector kernels (bit-identical results).
/// </summary>
internal static unsafe class ScalarMicroKernel
{
    public const int MR = 4;
    public const int NR = 4;

    // a: packed [kc, 4], b: packed [kc, 4], c: [4, 4] with row stride ldc.
    // Fully optimised from the first call: tier-0 code here would run ~10× slower for the first GEMMs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* a, float* b, float* c, nint ldc, int kc)
    {
        float* acc = stackalloc float[MR * NR];
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                acc[r * NR + j] = c[r * ldc + j];
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < MR; r++)
            {
                float ar = a[r];
                for (int j = 0; j < NR; j++)
                    acc[r * NR + j] = MathF.FusedMultiplyAdd(ar, b[j], acc[r * NR + j]);
            }
            a += MR;
            b += NR;
        }
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                c[r * ldc + j] = acc[r * NR + j];
    }

    // As Run, but A rows are read in place: element (r, p) at a[r·lda + p].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowsInPlace(float* a, nint lda, float* b, float* c, nint ldc, int kc)
    {
        float* acc = stackalloc float[MR * NR];
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                acc[r * NR + j] = c[r * ldc + j];
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < MR; r++)
            {
                float ar = a[r * lda + p];
                for (int j = 0; j < NR; j++)
                    acc[r * NR + j] = MathF.FusedMultiplyAdd(ar, b[j], acc[r * NR + j]);
            }
            b += NR;
        }
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
                c[r * ldc + j] = acc[r * NR + j];
    }
}
