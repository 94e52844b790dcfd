using System.Runtime.CompilerServices;

namespace SemanticSearch.Tensors;

/// <summary>
/// Pure C# SGEMM: packed A/B panels, three-level cache blocking (BLIS loop order) around a
/// register-blocked SIMD micro-kernel, threads over independent blocks of C.
///
/// Batch invariance by construction: C[i,j] = fma(op(A)[i,k-1]·alpha, op(B)[k-1,j], … fma(op(A)[i,0]·alpha,
/// op(B)[0,j], beta·C[i,j])) — one fused multiply-add per k in ascending k order, starting from the
/// beta-scaled C. Every kernel keeps the running value in full float precision between K blocks,
/// edge tiles run the same kernel on a zero-padded copy, and threads split only M or N, never K.
/// So the bits of C[i,j] depend on row i of op(A) and column j of op(B) only — not on m, n, tile
/// position, thread count or SIMD width.
/// </summary>
public sealed unsafe class ManagedGemm : IGemm
{
    // Zen: 32 KB L1d, 512 KB L2, 32 MB L3 (shared). KC×NR B micro-panel (16 KB for 256×16) sits in L1
    // while the MC×KC A block (144×256×4 = 144 KB) sits in L2; the KC×NC B block lives in L3.
    internal const int KC = 256;
    internal const int NC = 3072;
    private const int MCPanels = 24; // MC = 24·MR = 144 rows for the 6-row kernels

    // Below this many multiply-adds a second thread costs more to wake than it saves.
    private const long MinMultiplyAddsPerThread = 1L << 20;

    private readonly GemmMicroKernel _kernel;

    public ManagedGemm() : this(GemmMicroKernel.Best) { }

    internal ManagedGemm(GemmMicroKernel kernel) => _kernel = kernel;

    public string Name => $"managed ({_kernel.Name})";

    internal GemmMicroKernel Kernel => _kernel;

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        ScaleC(c, m, n, ldc, beta);
        if (k == 0 || alpha == 0f) return;

        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new Job(_kernel, transA, transB, k, alpha, (nint)pa, lda, (nint)pb, ldb, (nint)pc, ldc);
            int tasks = TaskCount(m, n, k);
            if (tasks == 1)
            {
                job.RunBlock(0, m, 0, n);
                return;
            }
            // Split the larger of M and N into equal, kernel-aligned chunks; each task owns a
            // disjoint block of C and packs its own panels, so tasks never synchronise.
            bool splitRows = m >= n;
            int extent = splitRows ? m : n;
            int unit = splitRows ? _kernel.MR : _kernel.NR;
            int chunk = (extent + tasks - 1) / tasks;
            chunk = (chunk + unit - 1) / unit * unit;
            int chunks = (extent + chunk - 1) / chunk;
            ComputeThreads.For(chunks, t =>
            {
                int lo = t * chunk, hi = Math.Min(extent, lo + chunk);
                if (splitRows) job.RunBlock(lo, hi, 0, n);
                else job.RunBlock(0, m, lo, hi);
            });
        }
    }

    private int TaskCount(int m, int n, int k)
    {
        long work = (long)m * n * k;
        int byWork = (int)Math.Clamp(work / MinMultiplyAddsPerThread, 1, int.MaxValue);
        int byShape = Math.Max((m + _kernel.MR - 1) / _kernel.MR, (n + _kernel.NR - 1) / _kernel.NR);
        return Math.Max(1, Math.Min(ComputeThreads.Count, Math.Min(byWork, byShape)));
    }

    // C = beta·C, element by element (beta == 0 clears, so NaN/garbage in C is ignored as in BLAS).
    private static void ScaleC(Span<float> c, int m, int n, int ldc, float beta)
    {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Everything one GEMM call needs, captured as raw pointers so tasks can share it.</summary>
    private sealed class Job(GemmMicroKernel kernel, bool transA, bool transB, int k, float alpha,
        nint a, int lda, nint b, int ldb, nint c, int ldc)
    {
        /// <summary>Computes C[i0..i1, j0..j1] serially with this thread's pack buffers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunBlock(int i0, int i1, int j0, int j1)
        {
            int mr = kernel.MR, nr = kernel.NR, mcMax = MCPanels * mr;
            var run = kernel.Run;
            float* packA = ScratchBuffers.Get(ScratchBuffers.GemmPackA, mcMax * KC);
            float* packB = ScratchBuffers.Get(ScratchBuffers.GemmPackB, NC * KC);
            float* edge = ScratchBuffers.Get(ScratchBuffers.GemmEdgeTile, mr * nr);
            float* pc = (float*)c;

            for (int jc = j0; jc < j1; jc += NC)
            {
                int nc = Math.Min(NC, j1 - jc);
                for (int p0 = 0; p0 < k; p0 += KC)
                {
                    int kc = Math.Min(KC, k - p0);
                    GemmPacking.PackB(packB, (float*)b, ldb, transB, p0, kc, jc, nc, nr);
                    for (int ic = i0; ic < i1; ic += mcMax)
                    {
                        int mc = Math.Min(mcMax, i1 - ic);
                        GemmPacking.PackA(packA, (float*)a, lda, transA, ic, mc, p0, kc, mr, alpha);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            float* panelB = packB + (nint)jr * kc;
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int rows = Math.Min(mr, mc - ir);
                                float* panelA = packA + (nint)ir * kc;
                                float* tile = pc + (nint)(ic + ir) * ldc + jc + jr;
                                if (rows == mr && cols == nr)
                                    run(panelA, panelB, tile, ldc, kc);
                                else
                                    RunEdgeTile(run, panelA, panelB, tile, edge, rows, cols, mr, nr, kc);
                            }
                        }
                    }
                }
            }
        }

        // Partial tile: same kernel on a zero-padded copy of the valid C elements, then copy back.
        private void RunEdgeTile(delegate*<float*, float*, float*, nint, int, void> run, float* panelA, float* panelB,
            float* tile, float* edge, int rows, int cols, int mr, int nr, int kc)
        {
            new Span<float>(edge, mr * nr).Clear();
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < cols; j++) edge[r * nr + j] = tile[(nint)r * ldc + j];
            run(panelA, panelB, edge, nr, kc);
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < cols; j++) tile[(nint)r * ldc + j] = edge[r * nr + j];
        }
    }
}
