// ONNX Runtime for .NET (Microsoft.ML.OnnxRuntime) encode anchor: the in-process runtime a C# user would pick.
//
//   dotnet ort-encode.dll --model model.onnx --ids ids.json [--threads 2] [--repeat 2]
//        [--save-embeddings emb.f32] [--json result.json] [--label fp32]
//
// Same protocol as bench/onnx/ort_encode.mjs: ids.json (bench/python/torch_encode.py --write-ids) holds the token ids
// of every text and the batch order (texts sorted by descending length); batches of batch_size in that order, each
// padded to its longest sequence. Every input tensor is built before the clock starts; only session.Run is timed
// (forward passes only), best of --repeat passes after a warm-up batch. CPU execution provider, intra-op threads =
// --threads, inter-op 1, sequential execution, all graph optimizations. The model's output is `sentence_embedding`.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

var options = ParseArgs(args);
var spec = JsonNode.Parse(File.ReadAllText(options["ids"]))!;
var ids = spec["input_ids"]!.AsArray().Select(a => a!.AsArray().Select(v => (long)v!).ToArray()).ToArray();
var order = spec["order"]!.AsArray().Select(v => (int)v!).ToArray();
int batchSize = (int)spec["batch_size"]!;
int threads = int.Parse(options.GetValueOrDefault("threads", "2"));
int repeat = int.Parse(options.GetValueOrDefault("repeat", "2"));
string label = options.GetValueOrDefault("label", "fp32");

var batches = new List<(int[] Rows, List<NamedOnnxValue> Feeds)>();
for (int start = 0; start < order.Length; start += batchSize)
{
    var rows = order[start..Math.Min(order.Length, start + batchSize)];
    int n = rows.Max(i => ids[i].Length);
    var inputIds = new DenseTensor<long>([rows.Length, n]);
    var mask = new DenseTensor<long>([rows.Length, n]);
    for (int r = 0; r < rows.Length; r++)
        for (int c = 0; c < ids[rows[r]].Length; c++) { inputIds[r, c] = ids[rows[r]][c]; mask[r, c] = 1; }
    batches.Add((rows, [NamedOnnxValue.CreateFromTensor("input_ids", inputIds), NamedOnnxValue.CreateFromTensor("attention_mask", mask)]));
}

using var sessionOptions = new SessionOptions
{
    IntraOpNumThreads = threads,
    InterOpNumThreads = 1,
    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
};
var loadClock = Stopwatch.StartNew();
using var session = new InferenceSession(options["model"], sessionOptions);
double loadSeconds = loadClock.Elapsed.TotalSeconds;

int dim;
using (var warm = session.Run(batches[0].Feeds)) dim = warm.First(v => v.Name == "sentence_embedding").AsTensor<float>().Dimensions[1];
var output = new float[ids.Length * dim];
var runs = new List<double>();
var cpuRuns = new List<double>();
using var process = Process.GetCurrentProcess();
for (int pass = 0; pass < repeat; pass++)
{
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    foreach (var (rows, feeds) in batches)
    {
        using var result = session.Run(feeds);
        var embedding = result.First(v => v.Name == "sentence_embedding").AsTensor<float>();
        for (int r = 0; r < rows.Length; r++)
            for (int j = 0; j < dim; j++) output[rows[r] * dim + j] = embedding[r, j];
    }
    runs.Add(clock.Elapsed.TotalSeconds);
    process.Refresh();
    cpuRuns.Add((process.TotalProcessorTime - cpu0).TotalSeconds);
}
int best = runs.IndexOf(runs.Min());
if (options.TryGetValue("save-embeddings", out var embeddingsPath))
    File.WriteAllBytes(embeddingsPath, System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.AsSpan()).ToArray());

string version = typeof(InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "?";
var report = new JsonObject
{
    ["runtime"] = $"ONNX Runtime .NET {version} {label}",
    ["threads"] = threads,
    ["texts"] = ids.Length,
    ["batches"] = batches.Count,
    ["batch_size"] = batchSize,
    ["dim"] = dim,
    ["load_s"] = loadSeconds,
    ["forward_s"] = runs[best],
    ["forward_runs_s"] = new JsonArray(runs.Select(r => (JsonNode)r).ToArray()),
    ["cpu_s"] = cpuRuns[best], // process CPU time (all threads) of the reported pass
    ["texts_per_s"] = ids.Length / runs[best],
};
Console.WriteLine($"ONNX Runtime .NET {version} {label} intra_op_threads={threads}: {ids.Length} texts, {batches.Count} batches, " +
                  $"forward {runs[best]:F2} s = {ids.Length / runs[best]:F1} texts/s, CPU {cpuRuns[best]:F2} s " +
                  $"(runs: {string.Join(", ", runs.Select(r => r.ToString("F2")))}; session load {loadSeconds:F2} s)");
if (options.TryGetValue("json", out var jsonPath))
    File.WriteAllText(jsonPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;

static Dictionary<string, string> ParseArgs(string[] args)
{
    var result = new Dictionary<string, string>();
    string[] known = ["model", "ids", "threads", "repeat", "save-embeddings", "json", "label"];
    for (int i = 0; i < args.Length; i++)
    {
        string name = args[i].StartsWith("--") ? args[i][2..] : throw new ArgumentException($"unexpected argument '{args[i]}'");
        if (!known.Contains(name)) throw new ArgumentException($"unknown option --{name}");
        if (i + 1 >= args.Length) throw new ArgumentException($"--{name} needs a value");
        result[name] = args[++i];
    }
    if (!result.ContainsKey("model") || !result.ContainsKey("ids")) throw new ArgumentException("--model and --ids are required");
    return result;
}
