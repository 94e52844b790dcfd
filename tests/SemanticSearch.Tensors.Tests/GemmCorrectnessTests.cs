namespace SemanticSearch.Tensors.Tests;

public class GemmCorrectnessTests
{
    public static IEnumerable<object[]> Shapes()
    {
        int[][] sizes = [[1, 1, 1], [3, 7, 13], [7, 3, 1], [13, 33, 7], [33, 17, 257], [257, 33, 3], [6, 16, 256], [12, 48, 300], [65, 130, 513]];
        foreach (var s in sizes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    yield return [s[0], s[1], s[2], ta, tb];
    }

    public static IEnumerable<object[]> Kernels() =>
        [["vector256"], ["vector512"], ["scalar"]];

    internal static GemmMicroKernel KernelByName(string name) => name switch
    {
        "vector256" => GemmMicroKernel.Vector256Kernel,
        "vector512" => GemmMicroKernel.Vector512Kernel,
        _ => GemmMicroKernel.ScalarKernel,
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesFloat64ReferenceWithStridesAlphaBeta(int m, int n, int k, bool transA, bool transB)
    {
        // Leading dimensions larger than the stored row length exercise the strided paths.
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 5, ldc = n + 2;
        var a = Reference.Random((transA ? k : m) * lda, 1);
        var b = Reference.Random((transB ? n : k) * ldb, 2);
        var c = Reference.Random(m * ldc, 3);
        float alpha = 0.75f, beta = -1.5f;
        var expected = Reference.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        new ManagedGemm().Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Reference.AssertClose(expected, c, 1e-5 * Math.Sqrt(k), 1e-5, $"gemm {m}x{n}x{k} tA={transA} tB={transB}");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryMicroKernelReproducesTheFmaChainBitForBit(string kernelName)
    {
        // Vector512 runs in software on machines without AVX-512; it must still give identical bits.
        var gemm = new ManagedGemm(KernelByName(kernelName));
        foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 37, 13), (13, 70, 300), (20, 33, 257) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (var (alpha, beta) in new[] { (1f, 0f), (1f, 1f), (-0.5f, 0.25f) })
                    {
                        var a = Reference.Random(m * k, 10 + m);
                        var b = Reference.Random(k * n, 20 + n);
                        var c = Reference.Random(m * n, 30 + k);
                        int lda = ta ? m : k, ldb = tb ? k : n;
                        var expected = Reference.GemmFmaChain(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
                        gemm.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
                        Reference.AssertBitsEqual(expected, c, $"{kernelName} {m}x{n}x{k} tA={ta} tB={tb} a={alpha} b={beta}");
                    }
    }

    [Theory]
    [InlineData(150, 70, 600, "vector256")]  // many rows: shared packed B and row blocks (2 threads), 3 K blocks
    [InlineData(150, 70, 600, "vector512")]
    [InlineData(150, 70, 600, "scalar")]
    [InlineData(5, 3100, 40, "vector256")]   // few rows, wide: column chunks / few-row path (2 threads); n > NC (1 thread)
    [InlineData(70, 200, 50, "vector512")]   // just above the few-row limit
    public void SerialAndMultiThreadedPathsReproduceTheFmaChainBitForBit(int m, int n, int k, string kernelName)
    {
        var gemm = new ManagedGemm(KernelByName(kernelName));
        foreach (int threads in new[] { 1, 2 })
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                var a = Reference.Random(m * k, 1);
                var b = Reference.Random(k * n, 2);
                var c = Reference.Random(m * n, 3);
                int lda = ta ? m : k, ldb = tb ? k : n;
                var expected = Reference.GemmFmaChain(ta, tb, m, n, k, 1f, a, lda, b, ldb, 1f, c, n);
                Reference.WithThreads(threads, () => gemm.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 1f, c, n));
                Reference.AssertBitsEqual(expected, c, $"{m}x{n}x{k} tA={ta} tB={tb} threads={threads}");
            }
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        var a = Reference.Random(4 * 5, 1);
        var b = Reference.Random(5 * 6, 2);
        var c = Enumerable.Repeat(float.NaN, 4 * 6).ToArray();
        new ManagedGemm().Sgemm(false, false, 4, 6, 5, 1f, a, 5, b, 6, 0f, c, 6);
        Assert.All(c, x => Assert.False(float.IsNaN(x)));
    }

    [Fact]
    public void KZeroOrAlphaZeroOnlyScalesC()
    {
        var c = new float[] { 1, 2, 3, 4 };
        new ManagedGemm().Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 2f, c, 2);
        Assert.Equal(new float[] { 2, 4, 6, 8 }, c);
        new ManagedGemm().Sgemm(false, false, 2, 2, 1, 0f, new float[2], 1, new float[2], 2, 0.5f, c, 2);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
    }

    [Fact]
    public void RejectsTooSmallBuffersAndLeadingDimensions()
    {
        var gemm = new ManagedGemm();
        var ex = Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, 3, 3, 3, 1f, new float[8], 3, new float[9], 3, 0f, new float[9], 3));
        Assert.Contains("A has 8 elements", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, true, 3, 3, 4, 1f, new float[12], 4, new float[12], 3, 0f, new float[9], 3));
        Assert.Contains("ldb=3", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Sgemm(false, false, -1, 3, 3, 1f, new float[9], 3, new float[9], 3, 0f, new float[9], 3));
    }

    [Fact]
    public void GemmFacadeDelegatesToTheConfiguredBackend()
    {
        Assert.IsType<ManagedGemm>(Gemm.Backend);
        Assert.StartsWith("managed", Gemm.Backend.Name);
        Assert.Throws<ArgumentNullException>(() => Gemm.Backend = null!);
        var c = new float[1];
        Gemm.Sgemm(false, false, 1, 1, 2, 1f, new float[] { 2, 3 }, 2, new float[] { 4, 5 }, 1, 0f, c, 1);
        Assert.Equal(23f, c[0]);
    }

    [Fact]
    public void BestKernelMatchesHardware()
    {
        var best = GemmMicroKernel.Best;
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) Assert.Same(GemmMicroKernel.Vector512Kernel, best);
        else if (System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
            Assert.Same(GemmMicroKernel.Vector256Kernel, best);
        else Assert.Same(GemmMicroKernel.ScalarKernel, best);
    }
}
