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
        output.WriteLine("Best of repeated calls; managed and OpenBLAS calls are interleaved so both see the same machine load.");
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
                        var (gm, gb) = MeasurePair(managed, haveBlas ? blas : null, m, n, k, x, w, c, secondsPerCase);
                        string blasCell = haveBlas ? $"{gb,13:F1} {100 * gb / peak[t],5:F0}%" : $"{"-",13} {"-",6}";
                        output.WriteLine($"{layer,-9} {m,5} {n,5} {k,5} {t,3} | {gm,12:F1} {100 * gm / peak[t],5:F0}% | {blasCell}");
                    }
                }
        }
        finally { ComputeThreads.Count = saved; }
    }

    /// <summary>
    /// Best GFLOP/s of each backend over alternating calls for about <paramref name="seconds"/> in total,
    /// after one warm-up call each. Best-of filters out time slices lost to other processes.
    /// </summary>
    private static (double Managed, double Blas) MeasurePair(IGemm managed, IGemm? blas, int m, int n, int k,
        float[] x, float[] w, float[] c, double seconds)
    {
        double flops = 2.0 * m * n * k;
        double bestManaged = double.MaxValue, bestBlas = double.MaxValue, total = 0;
        Time(managed);
        if (blas is not null) Time(blas);
        for (int rep = 0; rep < 3 || total < seconds; rep++)
        {
            double tm = Time(managed);
            bestManaged = Math.Min(bestManaged, tm);
            total += tm;
            if (blas is null) continue;
            double tb = Time(blas);
            bestBlas = Math.Min(bestBlas, tb);
            total += tb;
        }
        return (flops / bestManaged / 1e9, blas is null ? 0 : flops / bestBlas / 1e9);

        double Time(IGemm gemm)
        {
            long start = Stopwatch.GetTimestamp();
            gemm.Sgemm(false, true, m, n, k, 1f, x, k, w, k, 0f, c, n);
            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }

    private static float[] RandomMatrix(int length, int seed)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        return data;
    }
}
