namespace SemanticSearch.Tensors.Tests;

/// <summary>Naive float64 references and random data for checking the float32 kernels.</summary>
internal static class Reference
{
    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return x;
    }

    public static double OpA(float[] a, bool transA, int lda, int i, int p) => transA ? a[p * lda + i] : a[i * lda + p];
    public static double OpB(float[] b, bool transB, int ldb, int p, int j) => transB ? b[j * ldb + p] : b[p * ldb + j];

    /// <summary>C = alpha·op(A)·op(B) + beta·C in double precision.</summary>
    public static double[] Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda,
        float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var result = new double[c.Length];
        for (int i = 0; i < c.Length; i++) result[i] = c[i];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += OpA(a, transA, lda, i, p) * OpB(b, transB, ldb, p, j);
                double prior = beta == 0f ? 0 : beta * (double)c[i * ldc + j];
                result[i * ldc + j] = alpha * sum + prior;
            }
        return result;
    }

    /// <summary>
    /// The exact float operation sequence ManagedGemm promises: start from beta·C, then one
    /// MathF.FusedMultiplyAdd(alpha·a, b, acc) per k in ascending order.
    /// </summary>
    public static float[] GemmFmaChain(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda,
        float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var result = (float[])c.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float acc = beta == 0f ? 0f : beta == 1f ? c[i * ldc + j] : c[i * ldc + j] * beta;
                for (int p = 0; p < k; p++)
                {
                    float ap = alpha * (float)OpA(a, transA, lda, i, p);
                    acc = MathF.FusedMultiplyAdd(ap, (float)OpB(b, transB, ldb, p, j), acc);
                }
                result[i * ldc + j] = acc;
            }
        return result;
    }

    /// <summary>erf in double: 2/√π·e^(−x²)·Σ 2^n x^(2n+1)/(1·3·…·(2n+1)) — all terms positive, no cancellation.</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax > 6) return Math.Sign(x);
        double term = ax, sum = ax;
        for (int n = 1; n < 500 && term > 1e-18 * sum; n++)
        {
            term *= 2 * ax * ax / (2 * n + 1);
            sum += term;
        }
        return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * Math.Exp(-ax * ax) * sum;
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double absTol, double relTol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            if (!(err <= absTol + relTol * Math.Abs(expected[i])))
                Assert.Fail($"{what}: element {i}: expected {expected[i]:R}, got {actual[i]:R} (|err| = {err:E3}).");
        }
    }

    public static void AssertBitsEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i}: expected {expected[i]:R} but got {actual[i]:R} (bits differ).");
    }

    /// <summary>Runs body with ComputeThreads.Count = threads, restoring the old value.</summary>
    public static void WithThreads(int threads, Action body)
    {
        int saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        try { body(); }
        finally { ComputeThreads.Count = saved; }
    }
}
