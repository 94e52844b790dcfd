using System.Diagnostics;

namespace SemanticSearch.Tensors;

/// <summary>
/// GEMM micro-benchmark on BERT shapes (Linear layout: C[T,n] = X[T,k]·Wᵀ, W stored [n,k]):
/// measured FMA peak, then managed (and OpenBLAS, if it loads) GFLOP/s at each thread count.
/// Two views of every case: best wall-clock GFLOP/s (what a user sees, at the mercy of machine load)
/// and GFLOP per CPU-second as % of the single-core FMA peak (code efficiency; load-independent).
/// </summary>
public static class GemmBenchmark
{
    // (n, k, what) for MiniLM/BERT layers: fused QKV, attention output, FFN up, FFN down.
    private static readonly (int N, int K, string Layer)[] Layers =
        [(1152, 384, "qkv"), (384, 384, "attn-out"), (1536, 384, "ffn-up"), (384, 1536, "ffn-down")];

    /// <summary>Default table: one short query (16 tokens) and batches of 512 and 2048 tokens, 1 and 2 threads.</summary>
    public static void Run(TextWriter output) => Run(output, [16, 512, 2048], [1, 2], secondsPerCase: 0.5);

    public static void Run(TextWriter output, int[] tokenCounts, int[] threadCounts, double secondsPerCase)
    {
        var managed = new ManagedGemm();
        bool haveBlas = OpenBlasGemm.TryLoad(out var blas, out var blasReason);
        output.WriteLine($"GEMM benchmark: {Environment.ProcessorCount} logical CPUs, {managed.Name}");
        output.WriteLine(haveBlas ? $"OpenBLAS: {blas!.Name}" : $"OpenBLAS: not available ({blasReason})");

        double corePeak = FmaThroughput.MeasureSingleCoreGflopsByCpuTime();
        output.WriteLine($"FMA peak, 1 core, by CPU time: {corePeak:F1} GFLOP/s");
        var wallPeak = new Dictionary<int, double>();
        foreach (int t in threadCounts)
        {
            wallPeak[t] = FmaThroughput.MeasureGflops(t);
            output.WriteLine($"FMA peak, {t} thread(s), wall clock: {wallPeak[t]:F1} GFLOP/s");
        }
        output.WriteLine();
        output.WriteLine("wall = best wall-clock GFLOP/s (and % of the wall FMA peak at that thread count);");
        output.WriteLine("cpu% = best GFLOP per CPU-second as % of the 1-core peak (efficiency, unaffected by other load).");
        output.WriteLine("Managed and OpenBLAS calls alternate, so both see the same machine load.");
        output.WriteLine($"{"layer",-9} {"m",5} {"n",5} {"k",5} {"thr",3} | {"managed wall",12} {"",5} {"cpu%",5} | {"openblas wall",13} {"",5} {"cpu%",5}");
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
                        var (mWall, mCpu, bWall, bCpu) = MeasurePair(managed, haveBlas ? blas : null, m, n, k, x, w, c, secondsPerCase);
                        string Cell(double wall, double cpu, int width) =>
                            $"{wall.ToString("F1").PadLeft(width)} {100 * wall / wallPeak[t],4:F0}% {100 * cpu / corePeak,4:F0}%";
                        string blasCell = haveBlas ? Cell(bWall, bCpu, 13) : $"{"-",13} {"-",5} {"-",5}";
                        output.WriteLine($"{layer,-9} {m,5} {n,5} {k,5} {t,3} | {Cell(mWall, mCpu, 12)} | {blasCell}");
                    }
                }
        }
        finally { ComputeThreads.Count = saved; }
    }

    /// <summary>
    /// Best wall-clock GFLOP/s and best GFLOP per process-CPU-second of each backend over alternating
    /// calls for about <paramref name="seconds"/> in total, after one warm-up call each.
    /// </summary>
    private static (double ManagedWall, double ManagedCpu, double BlasWall, double BlasCpu) MeasurePair(
        IGemm managed, IGemm? blas, int m, int n, int k, float[] x, float[] w, float[] c, double seconds)
    {
        double flops = 2.0 * m * n * k / 1e9;
        double mWall = 0, mCpu = 0, bWall = 0, bCpu = 0, total = 0;
        Time(managed);
        if (blas is not null) Time(blas);
        for (int rep = 0; rep < 5 || total < seconds; rep++)
        {
            var (wall, cpu) = Time(managed);
            mWall = Math.Max(mWall, flops / wall);
            mCpu = Math.Max(mCpu, flops / cpu);
            total += wall;
            if (blas is null) continue;
            (wall, cpu) = Time(blas);
            bWall = Math.Max(bWall, flops / wall);
            bCpu = Math.Max(bCpu, flops / cpu);
            total += wall;
        }
        return (mWall, mCpu, bWall, bCpu);

        (double Wall, double Cpu) Time(IGemm gemm)
        {
            double cpuStart = CpuClock.ProcessSeconds();
            long start = Stopwatch.GetTimestamp();
            gemm.Sgemm(false, true, m, n, k, 1f, x, k, w, k, 0f, c, n);
            double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return (wall, CpuClock.ProcessSeconds() - cpuStart);
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
