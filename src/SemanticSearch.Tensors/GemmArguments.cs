namespace SemanticSearch.Tensors;

/// <summary>Shape and buffer-size checks shared by every <see cref="IGemm"/> backend.</summary>
internal static class GemmArguments
{
    public static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be non-negative (m={m}, n={n}, k={k}).");
        // Stored shapes: A is m×k (or k×m when transposed), B is k×n (or n×k), C is m×n.
        CheckMatrix("A", "lda", transA ? k : m, transA ? m : k, aLength, lda);
        CheckMatrix("B", "ldb", transB ? n : k, transB ? k : n, bLength, ldb);
        CheckMatrix("C", "ldc", m, n, cLength, ldc);
    }

    private static void CheckMatrix(string name, string ldName, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"{ldName}={ld} is smaller than the {cols} columns of stored {name} ({rows}×{cols}).", ldName);
        if (rows == 0 || cols == 0) return;
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"{name} has {length} elements but a {rows}×{cols} matrix with {ldName}={ld} needs {needed}.", name.ToLowerInvariant());
    }
}
