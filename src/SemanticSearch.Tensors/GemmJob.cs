using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace SemanticSearch.Tensors;

/// <summary>
/// The blocked loops of one <see cref="ManagedGemm"/> call, holding raw pointers so that worker
/// threads can share it (the caller keeps the spans pinned until every task has finished).
/// </summary>
internal sealed unsafe class GemmJob(GemmMicroKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
    float* a, int lda, float* b, int ldb, float* c, int ldc)
{
    // Zen: 32 KB L1d, 512 KB L2 per core, 32 MB shared L3. The KC×NR B micro-panel (256×16×4 = 16 KB)
    // stays in L1 while the MC×KC A block (144×256×4 = 144 KB) stays in L2; B blocks live in L3.
    public const int KC = 256;
    public const int NC = 3072;
    public static int MC(int mr) => 24 * mr; // 144 rows for the 6-row kernels

    /// <summary>Widest B whose fully packed copy (k·n floats, ≤ 6 MB at k = 384) we share across threads.</summary>
    public const int SharedBMaxColumns = 4096;

    private readonly float* _a = a, _b = b, _c = c;

    /// <summary>Computes C[i0..i1, j0..j1] serially with this thread's pack buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunBlock(int i0, int i1, int j0, int j1)
    {
        int mr = kernel.MR, nr = kernel.NR, mcMax = MC(mr);
        float* packA = ScratchBuffers.Get(ScratchBuffers.GemmPackA, mcMax * KC);
        float* packB = ScratchBuffers.Get(ScratchBuffers.GemmPackB, NC * KC);
        for (int jc = j0; jc < j1; jc += NC)
        {
            int nc = Math.Min(NC, j1 - jc);
            for (int p0 = 0; p0 < k; p0 += KC)
            {
                int kc = Math.Min(KC, k - p0);
                GemmPacking.PackB(packB, _b, ldb, transB, p0, kc, jc, nc, nr);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    GemmPacking.PackA(packA, _a, lda, transA, ic, mc, p0, kc, mr, alpha);
                    MacroKernel(packA, packB, ic, mc, jc, nc, kc);
                }
            }
        }
    }

    /// <summary>
    /// Multi-threaded path for many rows: phase 1 packs every K block of op(B) into one buffer
    /// (panels split across threads); phase 2 hands out row blocks, each packing its own A.
    /// </summary>
    public void RunRowBlocksWithSharedB(int rowsPerBlock)
    {
        int nr = kernel.NR;
        int panels = (n + nr - 1) / nr;
        int kBlocks = (k + KC - 1) / KC;
        long blockStride = (long)KC * panels * nr; // floats per packed K block
        // The caller's scratch: the caller blocks until both phases finish, so nobody else reuses it.
        float* shared = ScratchBuffers.Get(ScratchBuffers.GemmSharedB, checked((int)(kBlocks * blockStride)));
        nint sharedAddress = (nint)shared;

        const int PanelsPerPackTask = 8;
        int packGroups = (panels + PanelsPerPackTask - 1) / PanelsPerPackTask;
        ComputeThreads.For(kBlocks * packGroups, task =>
        {
            int q = task / packGroups, group = task % packGroups;
            int p0 = q * KC, kc = Math.Min(KC, k - p0);
            int j0 = group * PanelsPerPackTask * nr, nc = Math.Min(PanelsPerPackTask * nr, n - j0);
            float* dst = (float*)sharedAddress + q * blockStride + (long)j0 * kc;
            GemmPacking.PackB(dst, _b, ldb, transB, p0, kc, j0, nc, nr);
        });

        RunRowBlocksOnPackedB(shared, blockStride, rowsPerBlock);
    }

    /// <summary>Row blocks of C handed out to the threads, all reading one fully packed op(B).</summary>
    public void RunRowBlocksOnPackedB(float* packedB, long blockStride, int rowsPerBlock)
    {
        nint address = (nint)packedB;
        int rowBlocks = (m + rowsPerBlock - 1) / rowsPerBlock;
        ComputeThreads.For(rowBlocks, block =>
            RunRowsOnSharedB((float*)address, blockStride, block * rowsPerBlock, Math.Min(m, (block + 1) * rowsPerBlock)));
    }

    /// <summary>C[i0..i1, all columns] on this thread, from a fully packed op(B) (K blocks blockStride floats apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunRowsOnSharedB(float* sharedB, long blockStride, int i0, int i1)
    {
        int mr = kernel.MR, mcMax = MC(mr);
        float* packA = ScratchBuffers.Get(ScratchBuffers.GemmPackA, mcMax * KC);
        for (int p0 = 0, q = 0; p0 < k; p0 += KC, q++)
        {
            int kc = Math.Min(KC, k - p0);
            for (int ic = i0; ic < i1; ic += mcMax)
            {
                int mc = Math.Min(mcMax, i1 - ic);
                GemmPacking.PackA(packA, _a, lda, transA, ic, mc, p0, kc, mr, alpha);
                MacroKernel(packA, sharedB + q * blockStride, ic, mc, 0, n, kc);
            }
        }
    }

    // C[ic..ic+mc, jc..jc+nc] += packedA · packedB for one K block: B micro-panel outer (stays in L1),
    // A micro-panels inner (stream from L2).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MacroKernel(float* packA, float* packB, int ic, int mc, int jc, int nc, int kc)
    {
        int mr = kernel.MR, nr = kernel.NR;
        var run = kernel.Run;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panelB = packB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* panelA = packA + (nint)ir * kc;
                float* tile = _c + (nint)(ic + ir) * ldc + jc + jr;
                // Start fetching the next tile's C rows now: C is touched once per K block, so it is
                // usually not cached, and the kernel's first instructions would otherwise wait on 6 misses.
                PrefetchTile(ir + mr < mc ? tile + (nint)mr * ldc : _c + (nint)ic * ldc + jc + jr + nr, mr, nr);
                if (rows == mr && cols == nr)
                    run(panelA, panelB, tile, ldc, kc);
                else
                    RunEdgeTile(panelA, panelB, tile, rows, cols, kc);
            }
        }
    }

    private void PrefetchTile(float* tile, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        // Prefetching never faults, so running past the last row or column is harmless.
        for (int r = 0; r < rows; r++)
        {
            float* row = tile + (nint)r * ldc;
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + cols - 1);
        }
    }

    // Partial tile: the same kernel on a zero-padded copy of the valid C elements, then copy back.
    private void RunEdgeTile(float* panelA, float* panelB, float* tile, int rows, int cols, int kc)
    {
        int mr = kernel.MR, nr = kernel.NR;
        float* edge = stackalloc float[mr * nr];
        new Span<float>(edge, mr * nr).Clear();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) edge[r * nr + j] = tile[(nint)r * ldc + j];
        kernel.Run(panelA, panelB, edge, nr, kc);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++) tile[(nint)r * ldc + j] = edge[r * nr + j];
    }
}
