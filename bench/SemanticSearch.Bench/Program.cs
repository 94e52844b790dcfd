using SemanticSearch.Bench;

// semsearch-bench <suite> [options]: the C# half of bench/run_encode_benchmark.sh. Results (markdown) go to
// stdout, progress to stderr.
const string Usage = """
    usage: semsearch-bench <suite> [options]
      gemm         [--tokens 16,512,2048] [--threads 1,2] [--seconds-per-case 0.5]
      tokenizer    --model DIR --texts FILE [--n N] [--tokenizer-runs 5] [--max-length 256]
      load         --model DIR [--load-runs 5]
      encode       --model DIR --texts FILE [--n N] [--threads 2,1] [--runs 3] [--batch-size 64] [--json FILE]
      all          the four above, with the union of their options
      write-model  --vocab vocab.txt --output DIR [--seed 2024]   (random MiniLM-L6-H384 folder, no torch needed)
    """;

var suites = new Dictionary<string, Action<BenchOptions, TextWriter>>
{
    ["gemm"] = GemmSuite.Run,
    ["tokenizer"] = TokenizerSuite.Run,
    ["load"] = ModelLoadSuite.Run,
    ["encode"] = InProcessEncodeSuite.Run,
    ["write-model"] = RandomModelSuite.Run,
};
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
try
{
    var options = new BenchOptions(args.Skip(1));
    var selected = args[0] == "all" ? ["gemm", "tokenizer", "load", "encode"] : args[0].Split(',');
    foreach (string name in selected)
    {
        if (!suites.TryGetValue(name, out var suite))
        {
            Console.Error.WriteLine($"unknown suite '{name}'\n{Usage}");
            return 2;
        }
        suite(options, Console.Out);
        Console.Out.Flush();
    }
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException)
{
    Console.Error.WriteLine($"semsearch-bench: error: {e.Message}");
    return 1;
}
