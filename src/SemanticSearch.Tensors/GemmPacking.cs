using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SemanticSearch.Tensors;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous, zero-padded panel layout the micro-kernels
/// stream through. Zero padding is what lets edge tiles run the exact same kernel as full tiles.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] · alpha into ceil(mc/mr) panels of [kc, mr]
    /// (panel q starts at dst + q·mr·kc; rows past mc are zero).
    /// op(A)[i,p] = a[i·lda + p], or a[p·lda + i] when transA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* dst, float* a, nint lda, bool transA, int i0, int mc, int p0, int kc, int mr, float alpha)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dst + (nint)ir * kc;
            if (!transA)
            {
                // p outer so the panel is written sequentially; the `rows` source rows stream in parallel.
                float* src = a + (i0 + ir) * lda + p0;
                int p = 0;
                if (Avx.IsSupported && mr == 6 && rows == 6)
                {
                    // 8 k steps at a time through a register transpose. `p + 8 < kc` keeps at least one
                    // step for the scalar loop, which overwrites the 2 floats the last 8-wide store spills.
                    var scale = Vector256.Create(alpha);
                    for (; p + 8 < kc; p += 8) TransposeSixRows(src + p, lda, panel + p * 6, scale);
                }
                for (; p < kc; p++)
                {
                    float* d = panel + p * mr;
                    for (int r = 0; r < rows; r++) d[r] = alpha * src[r * lda + p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (p0 + p) * lda + i0 + ir;
                    float* d = panel + p * mr;
                    for (int r = 0; r < rows; r++) d[r] = alpha * src[r];
                }
            }
            for (int r = rows; r < mr; r++)
                for (int p = 0; p < kc; p++) panel[p * mr + r] = 0f;
        }
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into ceil(nc/nr) panels of [kc, nr]
    /// (panel q starts at dst + q·nr·kc; columns past nc are zero).
    /// op(B)[p,j] = b[p·ldb + j], or b[j·ldb + p] when transB; scaled by alpha (used when A and B swap roles).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* dst, float* b, nint ldb, bool transB, int p0, int kc, int j0, int nc, int nr, float alpha = 1f)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + (nint)jr * kc;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (p0 + p) * ldb + j0 + jr;
                    float* d = panel + p * nr;
                    new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(d, cols));
                    for (int j = cols; j < nr; j++) d[j] = 0f;
                }
            }
            else
            {
                // Stored B is n×k (Linear weights): transpose 8×8 blocks in registers where possible.
                float* src = b + (j0 + jr) * ldb + p0;
                int j = 0;
                if (Avx.IsSupported)
                    for (; j + 8 <= cols; j += 8)
                    {
                        int p = 0;
                        for (; p + 8 <= kc; p += 8) Transpose8x8(src + j * ldb + p, ldb, panel + p * nr + j, nr);
                        for (; p < kc; p++)
                            for (int jj = j; jj < j + 8; jj++) panel[p * nr + jj] = src[jj * ldb + p];
                    }
                for (; j < cols; j++)
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = src[j * ldb + p];
                for (j = cols; j < nr; j++)
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = 0f;
            }
            if (alpha != 1f)
                for (int i = 0; i < kc * nr; i++) panel[i] *= alpha;
        }
    }

    // dst[q·6 + r] = scale·src[r·lds + q] for r < 6, q < 8, written as eight overlapping 8-float
    // stores in increasing q (each one's 2 spare lanes are overwritten by the next).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeSixRows(float* src, nint lds, float* dst, Vector256<float> scale)
    {
        var r0 = Avx.LoadVector256(src) * scale; var r1 = Avx.LoadVector256(src + lds) * scale;
        var r2 = Avx.LoadVector256(src + 2 * lds) * scale; var r3 = Avx.LoadVector256(src + 3 * lds) * scale;
        var r4 = Avx.LoadVector256(src + 4 * lds) * scale; var r5 = Avx.LoadVector256(src + 5 * lds) * scale;
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t4, 0x44); var s5 = Avx.Shuffle(t4, t4, 0xEE);
        var s6 = Avx.Shuffle(t5, t5, 0x44); var s7 = Avx.Shuffle(t5, t5, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + 6, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 12, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 18, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 24, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 30, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 36, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 42, Avx.Permute2x128(s3, s7, 0x31));
    }

    // dst[p·ldd + j] = src[j·lds + p] for an 8×8 block (pure data movement, no rounding).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float* src, nint lds, float* dst, nint ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }
}
