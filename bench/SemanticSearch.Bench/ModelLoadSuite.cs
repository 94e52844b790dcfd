using SemanticSearch.Model;

namespace SemanticSearch.Bench;

/// <summary>`load`: SentenceEncoder.Load of the model folder; first load and best of N.</summary>
internal static class ModelLoadSuite
{
    public static void Run(BenchOptions options, TextWriter output)
    {
        string model = options.Required("model");
        int runs = options.Int("load-runs", 5);
        Console.Error.WriteLine($"load: {runs} + 1 loads of {model}");
        SentenceEncoder? encoder = null;
        var first = Measurement.Of(() => encoder = SentenceEncoder.Load(model));
        var best = Measurement.BestOf(runs, () => encoder = SentenceEncoder.Load(model));
        long bytes = Directory.EnumerateFiles(model, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        output.WriteLine($"### Model load (SentenceEncoder.Load)");
        output.WriteLine();
        output.WriteLine("| folder MB | first load s (incl. JIT) | best of " + runs + " s | best CPU s |");
        output.WriteLine("|---|---|---|---|");
        output.WriteLine($"| {bytes / 1e6:F1} | {first.WallSeconds:F3} | {best.WallSeconds:F3} | {best.CpuSeconds:F3} |");
        output.WriteLine();
        GC.KeepAlive(encoder);
    }
}
