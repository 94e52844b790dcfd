using System.Diagnostics;

using SemanticSearch.Tensors;

namespace SemanticSearch.Bench;

/// <summary>
/// GEMM micro-benchmark on BERT shapes (Linear layout: C[T,n] = X[T,k]·Wᵀ, W stored [n,k]):
/// measured FMA peak, then managed float32, managed int8 (QuantizedLinear: per-row activation quantization
/// included, weight quantized beforehand) and OpenBLAS (if it loads) GFLOP/s (int8: GOP/s) at each thread count.
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
        output.WriteLine($"GEMM benchmark: {Environment.ProcessorCount} logical CPUs, {managed.Name}; kernel choice: {GemmKernelChoice.Description}");
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
        output.WriteLine("int8 = QuantizedLinear (int8 weights and activations, int32 sums; GOP/s, % of the float FMA peak); x = its speed-up over managed float by CPU time.");
        output.WriteLine("Managed, int8 and OpenBLAS calls alternate, so all see the same machine load.");
        output.WriteLine($"int8 kernel: {QuantizedLinear.KernelName}");
        output.WriteLine($"{"layer",-9} {"m",5} {"n",5} {"k",5} {"thr",3} | {"managed wall",12} {"",5} {"cpu%",5} | {"int8 wall",12} {"",5} {"cpu%",5} {"x",5} | {"openblas wall",13} {"",5} {"cpu%",5}");
        int saved = ComputeThreads.Count;
        try
        {
            foreach (int m in tokenCounts)
                foreach (var (n, k, layer) in Layers)
                {
                    var x = RandomMatrix(m * k, 1);
                    var w = RandomMatrix(n * k, 2);
                    var c = new float[m * n];
                    var q = QuantizedLinearWeight.Quantize(w, n, k);
                    foreach (int t in threadCounts)
                    {
                        ComputeThreads.Count = t;
                        var cases = new List<Action>
                        {
                            () => managed.Sgemm(false, true, m, n, k, 1f, x, k, w, k, 0f, c, n),
                            () => QuantizedLinear.Forward(c, x, q, [], m),
                        };
                        if (haveBlas) cases.Add(() => blas!.Sgemm(false, true, m, n, k, 1f, x, k, w, k, 0f, c, n));
                        var best = MeasureAlternating(cases, 2.0 * m * n * k / 1e9, secondsPerCase);
                        string Cell(double wall, double cpu, int width) =>
                            $"{wall.ToString("F1").PadLeft(width)} {100 * wall / wallPeak[t],4:F0}% {100 * cpu / corePeak,4:F0}%";
                        string blasCell = haveBlas ? Cell(best[2].Wall, best[2].Cpu, 13) : $"{"-",13} {"-",5} {"-",5}";
                        output.WriteLine($"{layer,-9} {m,5} {n,5} {k,5} {t,3} | {Cell(best[0].Wall, best[0].Cpu, 12)} | " +
                                         $"{Cell(best[1].Wall, best[1].Cpu, 12)} {best[1].Cpu / best[0].Cpu,5:F2} | {blasCell}");
                    }
                }
        }
        finally { ComputeThreads.Count = saved; }
    }

    /// <summary>
    /// Best wall-clock GFLOP/s and best GFLOP per process-CPU-second of each case over alternating calls for
    /// about <paramref name="seconds"/> in total (at least 5 rounds), after one warm-up call each.
    /// </summary>
    private static (double Wall, double Cpu)[] MeasureAlternating(IReadOnlyList<Action> cases, double gflop, double seconds)
    {
        var best = new (double Wall, double Cpu)[cases.Count];
        foreach (var run in cases) run();
        double total = 0;
        for (int rep = 0; rep < 5 || total < seconds; rep++)
            for (int i = 0; i < cases.Count; i++)
            {
                double cpuStart = CpuClock.ProcessSeconds();
                long start = Stopwatch.GetTimestamp();
                cases[i]();
                double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
                double cpu = CpuClock.ProcessSeconds() - cpuStart;
                best[i] = (Math.Max(best[i].Wall, gflop / wall), Math.Max(best[i].Cpu, gflop / cpu));
                total += wall;
            }
        return best;
    }

    private static float[] RandomMatrix(int length, int seed)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        return data;
    }
}
