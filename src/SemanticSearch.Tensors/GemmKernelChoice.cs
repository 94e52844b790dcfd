using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SemanticSearch.Tensors;

/// <summary>
/// Which float micro-kernel the managed GEMM runs on this CPU, decided once per process. Wider is not always
/// faster: Intel server cores execute a 512-bit FMA at the rate of a 256-bit one on two ports, while Zen 4
/// splits it into two 256-bit halves (the same FLOPs per cycle, fewer registers' worth of work per instruction).
/// So where the CPU runs both widths natively the two kernels are timed on this machine for a few milliseconds
/// and the 512-bit one is taken only when it is measurably (≥ 3%) faster; with one native width nothing is
/// measured. <c>SEMSEARCH_GEMM_KERNEL=vector512|vector256|scalar</c> forces a kernel (for A/B benchmarks).
///
/// The choice cannot change results: every kernel computes each output element by the same FMA chain
/// (<see cref="GemmMicroKernel"/>), so embeddings are bit-identical whichever is chosen.
/// </summary>
public static class GemmKernelChoice
{
    public const string EnvironmentVariable = "SEMSEARCH_GEMM_KERNEL";
    // The wider kernel must beat the narrower one by this factor to be chosen: a tie goes to 256-bit
    // (less power and frequency pressure, same results).
    internal const double RequiredSpeedup = 1.03;

    private static readonly Lazy<(GemmMicroKernel Kernel, string Reason)> s_choice = new(Decide);

    internal static GemmMicroKernel Kernel => s_choice.Value.Kernel;

    /// <summary>The chosen kernel and why (for logs and benchmark reports).</summary>
    public static string Description => $"{s_choice.Value.Kernel.Name} ({s_choice.Value.Reason}; {CpuIdentity()})";

    private static (GemmMicroKernel, string) Decide()
    {
        string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            var kernel = forced.Trim().ToLowerInvariant() switch
            {
                "vector512" => GemmMicroKernel.Vector512Kernel,
                "vector256" => GemmMicroKernel.Vector256Kernel,
                "scalar" => GemmMicroKernel.ScalarKernel,
                _ => throw new InvalidOperationException($"{EnvironmentVariable}='{forced}': expected vector512, vector256 or scalar"),
            };
            return (kernel, $"forced by {EnvironmentVariable}");
        }
        return Choose(NativeCandidates(), MeasureSecondsPerFlop);
    }

    /// <summary>Kernels the CPU runs natively, widest first (the scalar one always).</summary>
    internal static IReadOnlyList<GemmMicroKernel> NativeCandidates()
    {
        var list = new List<GemmMicroKernel>();
        if (Vector512.IsHardwareAccelerated) list.Add(GemmMicroKernel.Vector512Kernel);
        if (Vector256.IsHardwareAccelerated && Fma.IsSupported) list.Add(GemmMicroKernel.Vector256Kernel);
        list.Add(GemmMicroKernel.ScalarKernel);
        return list;
    }

    /// <summary>
    /// Picks among <paramref name="candidates"/> (widest first): the only SIMD one without measuring, else the fastest
    /// by <paramref name="secondsPerFlop"/>, a wider one only when it beats the next narrower by <see cref="RequiredSpeedup"/>.
    /// </summary>
    internal static (GemmMicroKernel Kernel, string Reason) Choose(IReadOnlyList<GemmMicroKernel> candidates, Func<GemmMicroKernel, double> secondsPerFlop)
    {
        var simd = candidates.Where(k => k != GemmMicroKernel.ScalarKernel).ToList();
        if (simd.Count == 0) return (GemmMicroKernel.ScalarKernel, "no native SIMD FMA");
        if (simd.Count == 1) return (simd[0], "the only native SIMD kernel");
        var cost = simd.ToDictionary(k => k, secondsPerFlop);
        var chosen = simd[^1];
        for (int i = simd.Count - 2; i >= 0; i--)
            if (cost[simd[i]] * RequiredSpeedup <= cost[chosen]) chosen = simd[i];
        string timings = string.Join(", ", simd.Select(k => $"{k.Name} {1e-9 / cost[k]:F1} GFLOP/s"));
        return (chosen, $"measured: {timings}");
    }

    // The micro-kernel alone on L1-resident packed panels (KC = 256), best of 5 alternating-friendly short runs:
    // what the kernel sustains, not what memory allows. ~2 ms per kernel.
    private static unsafe double MeasureSecondsPerFlop(GemmMicroKernel kernel)
    {
        int mr = kernel.MR, nr = kernel.NR, kc = GemmJob.KC;
        var a = GC.AllocateArray<float>(mr * kc, pinned: true);
        var b = GC.AllocateArray<float>(nr * kc, pinned: true);
        var c = GC.AllocateArray<float>(mr * nr, pinned: true);
        for (int i = 0; i < a.Length; i++) a[i] = 1e-3f * (i % 7);
        for (int i = 0; i < b.Length; i++) b[i] = 1e-3f * (i % 5);
        const int Calls = 400;
        double best = double.MaxValue;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var run = kernel.Run;
            for (int i = 0; i < 50; i++) run(pa, pb, pc, nr, kc); // warm up (the kernels are AggressiveOptimization: no tier-0)
            for (int rep = 0; rep < 5; rep++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < Calls; i++) run(pa, pb, pc, nr, kc);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }
        return best / (2.0 * mr * nr * kc * Calls);
    }

    // "AuthenticAMD family 25 model 1": CPUID leaf 1 (family + extended family, model + extended model).
    private static string CpuIdentity()
    {
        if (!X86Base.IsSupported) return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        string vendor = string.Concat(new[] { ebx, edx, ecx }.Select(r => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes(r))));
        int eax = X86Base.CpuId(1, 0).Eax;
        int family = (eax >> 8) & 0xF, model = (eax >> 4) & 0xF;
        if (family == 0xF) family += (eax >> 20) & 0xFF;
        if (family >= 6) model += ((eax >> 16) & 0xF) << 4;
        return $"{vendor} family {family} model {model}, AVX-512 {(Avx512F.IsSupported ? "yes" : "no")}";
    }
}
