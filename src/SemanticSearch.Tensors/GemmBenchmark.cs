using System.Diagnostics;

namespace SemanticSearch.Tensors;

/// <summary>
/// GEMM micro-benchmark on BERT shapes (Linear layout: C[T,n] = X[T,k]·Wᵀ, W stored [n,k]):
/// measured FMA peak, then managed (and OpenBLAS, if it loads) GFLOP/s at 1 and 2 threads.
/// </summary>
public static class GemmBenchmark
{
    // (n, k, what) for MiniLM/BERT layers: fused QKV, attention output, FFN up, FFN down.
    private static readonly (int N, int K, string Layer)[] Layers =
        [(1152, 384, "qkv"), (384, 384, "attn-out"), (1536, 384, "ffn-up"), (384, 1536, "ffn-down")];

    public static void Run(TextWriter output) => Run(output, [512, 2048], [1, 2], secondsPerCase: 0.4);

    public static void Run(TextWriter output, int[] tokenCounts, int[] threadCounts, double secondsPerCase)
    {
        var managed = new ManagedGemm();
        bool haveBlas = OpenBlasGemm.TryLoad(out var blas, out var blasReason);
        output.WriteLine($"GEMM benchmark: {Environment.ProcessorCount} logical CPUs, managed kernel {managed.Name}");
        output.WriteLine(haveBlas ? $"OpenBLAS: {blas!.Name}" : $"OpenBLAS: not available ({blasReason})");

        var peak = new Dictionary<int, double>();
        foreach (int t in threadCounts)
        {
            peak[t] = FmaThroughput.MeasureGflops(t);
            output.WriteLine($"FMA peak (Vector256, {t} thread{(t > 1 ? "s" : "")}): {peak[t]:F1} GFLOP/s");
        }
        output.WriteLine();
        output.WriteLine($"{"layer",-9} {"m",5} {"n",5} {"k",5} {"thr",3} | {"managed GF/s",12} {"%peak",6} | {"openblas GF/s",13} {"%peak",6}");
        int saved = ComputeThreads.Count;
        try
        {
            foreach (int m in tokenCounts)
                foreach (var (n, k, layer) in Layers)
                {
                    var x = RandomMatrix(m * k, 1);
                    var w = RandomMatrix(n * k, 2);
                    var c = new float[m * n];
                    foreach (int t in threadCounts)
                    {
                        ComputeThreads.Count = t;
                        double gm = Measure(managed, m, n, k, x, w, c, secondsPerCase);
                        string blasCell = $"{"-",13} {"-",6}";
                        if (haveBlas)
                        {
                            double gb = Measure(blas!, m, n, k, x, w, c, secondsPerCase);
                            blasCell = $"{gb,13:F1} {100 * gb / peak[t],5:F0}%";
                        }
                        output.WriteLine($"{layer,-9} {m,5} {n,5} {k,5} {t,3} | {gm,12:F1} {100 * gm / peak[t],5:F0}% | {blasCell}");
                    }
                }
        }
        finally { ComputeThreads.Count = saved; }
    }

    /// <summary>Best GFLOP/s over repeated calls for about <paramref name="seconds"/> (after one warm-up call).</summary>
    private static double Measure(IGemm gemm, int m, int n, int k, float[] x, float[] w, float[] c, double seconds)
    {
        gemm.Sgemm(false, true, m, n, k, 1f, x, k, w, k, 0f, c, n);
        double best = double.MaxValue, total = 0;
        var sw = new Stopwatch();
        for (int rep = 0; rep < 3 || total < seconds; rep++)
        {
            sw.Restart();
            gemm.Sgemm(false, true, m, n, k, 1f, x, k, w, k, 0f, c, n);
            double elapsed = sw.Elapsed.TotalSeconds;
            best = Math.Min(best, elapsed);
            total += elapsed;
        }
        return 2.0 * m * n * k / best / 1e9;
    }

    private static float[] RandomMatrix(int length, int seed)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        return data;
    }
}
