using SemanticSearch.Tokenization;

namespace SemanticSearch.Bench;

/// <summary>`tokenizer`: WordPiece tokens/s over the benchmark texts, on one thread and on all threads.</summary>
internal static class TokenizerSuite
{
    public static void Run(BenchOptions options, TextWriter output)
    {
        var tokenizer = WordPieceTokenizer.Load(options.Required("model"));
        var texts = TextFile.Read(options.Required("texts"), options.Int("n", 0));
        int maxLength = options.Int("max-length", 256);
        int runs = options.Int("tokenizer-runs", 5);
        int allThreads = Environment.ProcessorCount;
        var lengths = new int[texts.Length];

        void Tokenize(int threads) => Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = threads },
            i => lengths[i] = tokenizer.Encode(texts[i], maxLength).Length);

        Tokenize(allThreads); // warm-up: JIT and vocabulary caches
        long tokens = lengths.Sum(l => (long)l);
        output.WriteLine($"### Tokenizer (WordPieceTokenizer.Encode, max length {maxLength}, best of {runs})");
        output.WriteLine();
        output.WriteLine($"{texts.Length} texts, {tokens} tokens including [CLS]/[SEP].");
        output.WriteLine();
        output.WriteLine("| threads | wall s | tokens/s | texts/s | CPU s | tokens per CPU-s |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (int threads in new[] { 1, allThreads }.Distinct())
        {
            Console.Error.WriteLine($"tokenizer: {threads} thread(s)");
            var m = threads == 1
                ? Measurement.BestOf(runs, () => { for (int i = 0; i < texts.Length; i++) lengths[i] = tokenizer.Encode(texts[i], maxLength).Length; })
                : Measurement.BestOf(runs, () => Tokenize(threads));
            output.WriteLine($"| {threads} | {m.WallSeconds:F3} | {tokens / m.WallSeconds:F0} | {texts.Length / m.WallSeconds:F0} | " +
                             $"{m.CpuSeconds:F3} | {tokens / m.CpuSeconds:F0} |");
        }
        output.WriteLine();
    }
}
