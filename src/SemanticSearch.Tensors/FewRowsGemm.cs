namespace SemanticSearch.Tensors;

/// <summary>
/// C[m,n] += alpha·op(A)·Bᵀ for B stored [n,k] (Linear weights) and few rows m (a short query).
/// Packing B would cost as much as the multiply itself here, so it is computed as
/// Cᵀ = B·(alpha·op(A))ᵀ: the weights become the kernel's A operand, read in place row by row,
/// and only the small activation matrix is packed. Each C element still gets exactly the same
/// FMA chain (fma is symmetric in its two factors), so results are bit-identical to the packed path.
/// </summary>
internal static unsafe class FewRowsGemm
{
    public const int MaxRows = 64;

    public static void Run(GemmMicroKernel kernel, bool transA, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float* c, int ldc, int threads)
    {
        int mr = kernel.MR, nr = kernel.NR;
        int activationPanels = (m + nr - 1) / nr;
        // Packed[p, i] = alpha·op(A)[i, p] in panels of nr rows of A: the kernel's B operand.
        // The caller's scratch is safe to share: it blocks until every task has finished.
        float* packed = ScratchBuffers.Get(ScratchBuffers.GemmSharedB, activationPanels * nr * k);
        GemmPacking.PackB(packed, a, lda, transB: !transA, p0: 0, kc: k, j0: 0, nc: m, nr, alpha);

        int weightPanels = (n + mr - 1) / mr;
        // Several chunks per thread so a descheduled thread does not hold up the rest; one if serial.
        int chunks = threads == 1 ? 1 : Math.Min(weightPanels, threads * 4);
        int perChunk = (weightPanels + chunks - 1) / chunks;
        nint packedAddress = (nint)packed, aAddress = (nint)a, bAddress = (nint)b, cAddress = (nint)c;
        ComputeThreads.For((weightPanels + perChunk - 1) / perChunk, t =>
            RunWeightPanels(kernel, m, n, k, (float*)packedAddress, (float*)bAddress, ldb, (float*)cAddress, ldc,
                t * perChunk, Math.Min(weightPanels, (t + 1) * perChunk)));
    }

    // Weight rows [first·mr, last·mr) against every activation panel, whole K in one kernel call.
    private static void RunWeightPanels(GemmMicroKernel kernel, int m, int n, int k, float* packedActivations,
        float* b, int ldb, float* c, int ldc, int first, int last)
    {
        int mr = kernel.MR, nr = kernel.NR;
        float* tile = stackalloc float[mr * nr]; // Cᵀ tile [mr, nr]
        for (int panel = first; panel < last; panel++)
        {
            int j0 = panel * mr, rows = Math.Min(mr, n - j0);
            // A partial last panel must not read past row n of B: pack it, zero-padded, instead.
            float* packedWeights = null;
            if (rows < mr)
            {
                packedWeights = ScratchBuffers.Get(ScratchBuffers.GemmPackA, mr * k);
                GemmPacking.PackA(packedWeights, b, ldb, transA: false, i0: j0, mc: rows, p0: 0, kc: k, mr, alpha: 1f);
            }
            for (int i0 = 0; i0 < m; i0 += nr)
            {
                int cols = Math.Min(nr, m - i0);
                float* activations = packedActivations + (nint)i0 * k;
                // Tile[r, i] = C[i0 + i, j0 + r]: C transposed in, kernel, transposed back out.
                new Span<float>(tile, mr * nr).Clear();
                for (int i = 0; i < cols; i++)
                    for (int r = 0; r < rows; r++) tile[r * nr + i] = c[(nint)(i0 + i) * ldc + j0 + r];
                if (packedWeights == null)
                    kernel.RunRowsInPlace(b + (nint)j0 * ldb, ldb, activations, tile, nr, k);
                else
                    kernel.Run(packedWeights, activations, tile, nr, k);
                for (int i = 0; i < cols; i++)
                    for (int r = 0; r < rows; r++) c[(nint)(i0 + i) * ldc + j0 + r] = tile[r * nr + i];
            }
        }
    }
}
