namespace SemanticSearch.Tensors;

/// <summary>
/// Pure C# SGEMM: packed A/B panels, cache blocking (BLIS loop order) around a register-blocked
/// SIMD micro-kernel, threads over independent blocks of C.
///
/// Batch invariance by construction: C[i,j] = fma(op(A)[i,k-1]·alpha, op(B)[k-1,j], … fma(op(A)[i,0]·alpha,
/// op(B)[0,j], beta·C[i,j])) — one fused multiply-add per k in ascending k order, starting from the
/// beta-scaled C. Every kernel keeps the running value in full float precision between K blocks,
/// edge tiles run the same kernel on a zero-padded copy, and threads split only M or N, never K.
/// So the bits of C[i,j] depend on row i of op(A) and column j of op(B) only — not on m, n, tile
/// position, thread count or SIMD width.
/// </summary>
public sealed class ManagedGemm : IGemm
{
    // Below this many multiply-adds a second thread costs more to wake than it saves.
    private const long MinMultiplyAddsPerThread = 1L << 20;
    // Row blocks handed out per thread: more than one so a thread descheduled on a busy machine
    // does not leave the others idle at the end.
    private const int RowBlocksPerThread = 4;

    private readonly GemmMicroKernel _kernel;

    /// <summary>The managed GEMM with the kernel <see cref="GemmKernelChoice"/> picked for this CPU.</summary>
    public ManagedGemm() : this(GemmKernelChoice.Kernel) { }

    internal ManagedGemm(GemmMicroKernel kernel) => _kernel = kernel;

    public string Name => $"managed ({_kernel.Name})";

    internal GemmMicroKernel Kernel => _kernel;

    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        ScaleC(c, m, n, ldc, beta);
        if (k == 0 || alpha == 0f) return;

        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new GemmJob(_kernel, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, pc, ldc);
            int threads = ThreadBudget(m, n, k);
            int mr = _kernel.MR, nr = _kernel.NR;
            if (transB && m <= FewRowsGemm.MaxRows)
            {
                // A few tokens times Linear weights: stream the weights unpacked.
                FewRowsGemm.Run(_kernel, transA, m, n, k, alpha, pa, lda, pb, ldb, pc, ldc, threads);
            }
            else if (threads == 1)
            {
                job.RunBlock(0, m, 0, n);
            }
            else if (m >= 2 * mr * threads && n <= GemmJob.SharedBMaxColumns)
            {
                // Many rows (BERT activations): pack all of op(B) once, shared by every thread,
                // then hand out row blocks dynamically.
                int rowsPerBlock = Math.Clamp(m / (threads * RowBlocksPerThread), 4 * mr, GemmJob.MC(mr));
                rowsPerBlock = (rowsPerBlock + mr - 1) / mr * mr;
                job.RunRowBlocksWithSharedB(rowsPerBlock);
            }
            else
            {
                // Few rows (a short query) or very wide B: split columns; each chunk packs its own slice of B.
                int chunk = (n + threads * 2 - 1) / (threads * 2);
                chunk = Math.Min(GemmJob.NC, (chunk + nr - 1) / nr * nr);
                int chunks = (n + chunk - 1) / chunk;
                ComputeThreads.For(chunks, t => job.RunBlock(0, m, t * chunk, Math.Min(n, (t + 1) * chunk)));
            }
        }
    }

    /// <summary>
    /// C[m, n] = A[m, k] · Wᵀ + beta·C with W already packed (<see cref="PackedLinearWeight"/>, n = out, k = in):
    /// the same blocks and kernel as <see cref="Sgemm"/> with transB, minus packing W. Bit-identical to it.
    /// </summary>
    internal unsafe void SgemmPackedWeight(int m, ReadOnlySpan<float> a, int lda, PackedLinearWeight w, float beta, Span<float> c, int ldc)
    {
        if (w.Kernel != _kernel) throw new ArgumentException($"weight packed for {w.Kernel.Name}, backend uses {_kernel.Name}", nameof(w));
        int n = w.OutFeatures, k = w.InFeatures;
        GemmArguments.Validate(false, true, m, n, k, a.Length, lda, n * k, k, c.Length, ldc);
        if (m == 0) return;
        ScaleC(c, m, n, ldc, beta);
        fixed (float* pa = a, pc = c)
        {
            var job = new GemmJob(_kernel, false, true, m, n, k, 1f, pa, lda, null, k, pc, ldc);
            int threads = ThreadBudget(m, n, k), mr = _kernel.MR;
            if (threads == 1 || m < 2 * mr * threads)
            {
                job.RunRowsOnSharedB(w.Data, w.BlockStride, 0, m);
                return;
            }
            int rowsPerBlock = Math.Clamp(m / (threads * RowBlocksPerThread), 4 * mr, GemmJob.MC(mr));
            rowsPerBlock = (rowsPerBlock + mr - 1) / mr * mr;
            job.RunRowBlocksOnPackedB(w.Data, w.BlockStride, rowsPerBlock);
        }
    }

    private int ThreadBudget(int m, int n, int k)
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
}
