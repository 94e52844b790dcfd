using SemanticSearch.Tensors;

namespace SemanticSearch.Bench;

/// <summary>`gemm`: GemmBenchmark.Run on the MiniLM layer shapes against the measured FMA peak.</summary>
internal static class GemmSuite
{
    public static void Run(BenchOptions options, TextWriter output)
    {
        int[] tokens = options.IntList("tokens", [16, 512, 2048]);
        int[] threads = options.IntList("threads", [1, 2]);
        double seconds = options.Double("seconds-per-case", 0.5);
        Console.Error.WriteLine($"gemm: tokens {string.Join(',', tokens)}, threads {string.Join(',', threads)}");
        output.WriteLine("### GEMM (GemmBenchmark.Run, MiniLM layer shapes)");
        output.WriteLine();
        output.WriteLine("```");
        GemmBenchmark.Run(output, tokens, threads, seconds);
        output.WriteLine("```");
        output.WriteLine();
    }
}
