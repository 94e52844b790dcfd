using System.Text.Json;
using SemanticSearch.Model;
using SemanticSearch.Tensors;

namespace SemanticSearch.Bench;

/// <summary>
/// `encode`: SentenceEncoder.Encode (tokenize + forward + pooling) of all texts inside one process,
/// after load and a warm-up batch: what semsearch encode costs without process start, load and output.
/// </summary>
internal static class InProcessEncodeSuite
{
    public static void Run(BenchOptions options, TextWriter output)
    {
        var encoder = SentenceEncoder.Load(options.Required("model"));
        var texts = TextFile.Read(options.Required("texts"), options.Int("n", 0));
        int batchSize = options.Int("batch-size", 64);
        int runs = options.Int("runs", 3);
        int[] threadCounts = options.IntList("threads", [2, 1]);
        string? jsonPath = options.Optional("json");

        output.WriteLine($"### In-process encode (SentenceEncoder.Encode, batch {batchSize}, best of {runs}, after load and warm-up)");
        output.WriteLine();
        output.WriteLine("| threads | texts | wall s | texts/s | CPU s | texts per CPU-s |");
        output.WriteLine("|---|---|---|---|---|---|");
        var results = new List<Dictionary<string, object>>();
        int saved = ComputeThreads.Count;
        try
        {
            foreach (int threads in threadCounts)
            {
                ComputeThreads.Count = threads;
                Console.Error.WriteLine($"encode: {texts.Length} texts, {threads} thread(s), warm-up");
                encoder.Encode(texts.Take(batchSize).ToArray(), batchSize);
                double bestWall = double.MaxValue, bestCpu = double.MaxValue;
                for (int run = 0; run < runs; run++)
                {
                    var m = Measurement.Of(() => encoder.Encode(texts, batchSize));
                    Console.Error.WriteLine($"encode: {threads} thread(s), run {run + 1}/{runs}: {m.WallSeconds:F2} s wall, {m.CpuSeconds:F2} s CPU");
                    bestWall = Math.Min(bestWall, m.WallSeconds);
                    bestCpu = Math.Min(bestCpu, m.CpuSeconds);
                }
                output.WriteLine($"| {threads} | {texts.Length} | {bestWall:F2} | {texts.Length / bestWall:F1} | {bestCpu:F2} | {texts.Length / bestCpu:F1} |");
                results.Add(new() { ["threads"] = threads, ["texts"] = texts.Length, ["wall_s"] = bestWall, ["cpu_s"] = bestCpu, ["batch_size"] = batchSize });
            }
        }
        finally { ComputeThreads.Count = saved; }
        output.WriteLine();
        if (jsonPath is not null) File.WriteAllText(jsonPath, JsonSerializer.Serialize(results));
    }
}
