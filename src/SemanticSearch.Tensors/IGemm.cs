namespace SemanticSearch.Tensors;

/// <summary>
/// Single-precision matrix multiply, the seam where a native BLAS or a GPU backend plugs in.
/// Row-major storage. C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C.
/// op(A) = A (stored m×k, lda ≥ k) or Aᵀ when <c>transA</c> (A stored k×m, lda ≥ m); likewise B.
/// As in BLAS, beta == 0 overwrites C without reading it (NaNs in C do not propagate).
/// </summary>
public interface IGemm
{
    string Name { get; }

    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc);
}

/// <summary>Process-wide GEMM entry point used by every kernel (Linear, ...).</summary>
public static class Gemm
{
    private static IGemm s_backend = new ManagedGemm();

    /// <summary>The active backend; <see cref="ManagedGemm"/> unless replaced.</summary>
    public static IGemm Backend
    {
        get => Volatile.Read(ref s_backend);
        set => Volatile.Write(ref s_backend, value ?? throw new ArgumentNullException(nameof(value)));
    }

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
        => Backend.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
