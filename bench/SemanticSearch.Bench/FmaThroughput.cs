using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

using SemanticSearch.Tensors;

namespace SemanticSearch.Bench;

/// <summary>
/// Measures the machine's practical FMA peak: independent Vector256 FMA chains (enough of them to
/// cover FMA latency × pipes) on every requested thread at once. This is the ceiling GEMM is judged against.
/// </summary>
public static class FmaThroughput
{
    private const int Chains = 12; // ≥ latency (4–5 cycles) × 2 FMA pipes

    /// <summary>Peak single-precision GFLOP/s (1 FMA = 2 flops) on <paramref name="threads"/> threads; best of a few runs.</summary>
    public static double MeasureGflops(int threads, double seconds = 0.3)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "Need at least one thread.");
        long iterations = 1 << 20;
        // Calibrate so one run lasts roughly `seconds / 3`.
        var sw = Stopwatch.StartNew();
        Chain(iterations);
        double perIteration = sw.Elapsed.TotalSeconds / iterations;
        iterations = Math.Max(1 << 20, (long)(seconds / 3 / perIteration));

        double best = 0;
        for (int run = 0; run < 3; run++)
        {
            using var start = new Barrier(threads + 1);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() => { start.SignalAndWait(); Chain(iterations); }) { IsBackground = true };
                workers[t].Start();
            }
            // Start the clock before releasing the workers: if this thread is descheduled on a busy
            // machine the measurement can only get slower, never impossibly fast.
            sw.Restart();
            start.SignalAndWait();
            foreach (var w in workers) w.Join();
            double elapsed = sw.Elapsed.TotalSeconds;
            double flops = (double)threads * iterations * Chains * Vector256<float>.Count * 2;
            best = Math.Max(best, flops / elapsed / 1e9);
        }
        return best;
    }

    /// <summary>
    /// Single-core peak measured in thread CPU time (best of a few runs), so it is not lowered by
    /// other processes stealing the core. NaN where CPU clocks are unavailable.
    /// </summary>
    public static double MeasureSingleCoreGflopsByCpuTime(int runs = 5)
    {
        if (!CpuClock.IsAvailable) return double.NaN;
        const long Iterations = 20_000_000;
        Chain(1 << 16); // make sure the loop is compiled before timing
        double best = 0;
        for (int run = 0; run < runs; run++)
        {
            double start = CpuClock.ThreadSeconds();
            Chain(Iterations);
            double elapsed = CpuClock.ThreadSeconds() - start;
            best = Math.Max(best, Iterations * Chains * Vector256<float>.Count * 2 / elapsed / 1e9);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chain(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var add = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, add); a1 = Vector256.FusedMultiplyAdd(a1, m, add);
            a2 = Vector256.FusedMultiplyAdd(a2, m, add); a3 = Vector256.FusedMultiplyAdd(a3, m, add);
            a4 = Vector256.FusedMultiplyAdd(a4, m, add); a5 = Vector256.FusedMultiplyAdd(a5, m, add);
            a6 = Vector256.FusedMultiplyAdd(a6, m, add); a7 = Vector256.FusedMultiplyAdd(a7, m, add);
            a8 = Vector256.FusedMultiplyAdd(a8, m, add); a9 = Vector256.FusedMultiplyAdd(a9, m, add);
            a10 = Vector256.FusedMultiplyAdd(a10, m, add); a11 = Vector256.FusedMultiplyAdd(a11, m, add);
        }
        // Consume every chain so the JIT cannot drop any of them.
        var sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector256.Sum(sum);
    }
}
