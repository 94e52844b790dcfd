// MNRL fine-tuning step throughput of our training graph, the C# side of bench/training/run.sh.
//
//   dotnet run -c Release --project bench/training/TrainingBench -- --model DIR [--threads 2] [--steps 20]
//       [--warmup 3] [--batch 32] [--max-len 64] [--csv ../shared/data/banking77/train.csv] [--backend managed|torch]
//
// --backend torch runs the same step on libtorch 2.10 through TorchSharp (Training.Torch's TorchTrainingBackend:
// padded batches, autograd, AdamW on tensors) — the anchor beside Debian's PyTorch 1.13.
//
// Identical work to bench/training/torch_train_step.py: BANKING77 pairs (each text with the next unpaired text of
// the same intent, file order), 32 pairs per step, ≤ 64 tokens per text, dropout 0.1 on, one Forward over both
// columns (packed, no padding), MultipleNegativesRankingLoss scale 20, Backward, AdamW (lr 2e-5, wd 0.01, no decay
// for bias/LayerNorm), zero grad. Tokenization happens once, before timing. Prints one JSON line.
using System.Diagnostics;
using System.Text.Json;
using SemanticSearch.Model;
using SemanticSearch.Tensors;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Losses;
using SemanticSearch.Training.Optimization;

var options = ParseArgs(args);
string model = options.GetValueOrDefault("model") ?? throw new ArgumentException("--model DIR is required");
int threads = int.Parse(options.GetValueOrDefault("threads") ?? "2");
int steps = int.Parse(options.GetValueOrDefault("steps") ?? "20");
int warmup = int.Parse(options.GetValueOrDefault("warmup") ?? "3");
int batch = int.Parse(options.GetValueOrDefault("batch") ?? "32");
int maxLen = int.Parse(options.GetValueOrDefault("max-len") ?? "64");
string csv = options.GetValueOrDefault("csv") ?? Path.Combine(AppContext.BaseDirectory, "../../../../../../../shared/data/banking77/train.csv");
ComputeThreads.Count = threads;

var encoder = SentenceEncoder.Load(model);
if (options.GetValueOrDefault("encode") is string encodeInput) { EncodeAnchor(encoder, encodeInput, threads, options); return; }
var pairs = Banking77Pairs(csv);
int need = (warmup + steps) * batch;
if (pairs.Count < need) throw new InvalidOperationException($"only {pairs.Count} pairs, need {need}");
var anchorIds = Truncate(encoder.Tokenize(pairs.Take(need).Select(p => p.Anchor).ToList()), maxLen);
var positiveIds = Truncate(encoder.Tokenize(pairs.Take(need).Select(p => p.Positive).ToList()), maxLen);

var timings = new double[4]; // forward, loss, backward, optimizer (ms, timed steps only)
Func<int, bool, double>? stepImpl = null; // the torch backend's step (forward+loss+backward timed together, as "backward_ms")
string implName = $"SemanticSearch ({Gemm.Backend.Name})";
string backendName = options.GetValueOrDefault("backend") ?? "managed";
if (backendName == "torch")
{
    TorchSharp.torch.set_num_threads(threads);
    var tokenMap = new Dictionary<string, int[]>();
    var examples = new List<AnchorPositiveExample>();
    for (int i = 0; i < need; i++)
    {
        tokenMap[$"a{i}"] = anchorIds[i];
        tokenMap[$"p{i}"] = positiveIds[i];
        examples.Add(new AnchorPositiveExample($"a{i}", $"p{i}", null));
    }
    var backend = new SemanticSearch.Training.Torch.TorchTrainingBackend(encoder, new TrainingGraphOptions { Seed = 1 },
        SemanticSearch.Training.Torch.TorchDevice.Parse(options.GetValueOrDefault("device") ?? "cpu"));
    backend.Begin(new SemanticSearch.Training.Loop.TrainingRunSetup(
        new SemanticSearch.Training.Loop.FineTuneOptions { OutputDirectory = "unused", BatchSize = batch },
        SemanticSearch.Training.Loop.TrainingExamples.FromAnchorPositive(examples), tokenMap));
    stepImpl = (b, timed) =>
    {
        var sw = Stopwatch.StartNew();
        backend.ZeroGradients();
        double value = backend.RunMicroBatch(Enumerable.Range(b * batch, batch).ToArray(), 1.0);
        double t1 = sw.Elapsed.TotalMilliseconds;
        backend.Step(2e-5);
        if (timed) { timings[2] += t1; timings[3] += sw.Elapsed.TotalMilliseconds - t1; }
        return value;
    };
    implName = $"libtorch {TorchSharp.torch.__version__} (TorchSharp 0.107, {backend.Device})";
}
// Only the managed side allocates its graph and moments (they would inflate the torch run's peak RSS).
var graph = stepImpl is null ? new SentenceEncoderTrainingGraph(encoder, new TrainingGraphOptions { Seed = 1 }) : null!;
var optimizer = stepImpl is null ? new AdamW(WeightDecayGrouping.Split(graph.UnfrozenParameters(), 0.01)) : null!;
var loss = new MultipleNegativesRankingLoss(20.0);

double Step(int b, bool timed)
{
    if (stepImpl is not null) return stepImpl(b, timed);
    var sw = Stopwatch.StartNew();
    var columns = anchorIds.Skip(b * batch).Take(batch).Concat(positiveIds.Skip(b * batch).Take(batch)).ToArray();
    var embeddings = graph.Forward(columns, training: true);
    double t1 = sw.Elapsed.TotalMilliseconds;
    int d = graph.Dimension;
    var output = loss.Compute(new EmbeddingBatch(batch, d, [embeddings[..(batch * d)], embeddings[(batch * d)..]]));
    double t2 = sw.Elapsed.TotalMilliseconds;
    graph.Backward(output.Gradients[0].Concat(output.Gradients[1]).ToArray());
    double t3 = sw.Elapsed.TotalMilliseconds;
    optimizer.Step(2e-5);
    graph.ZeroGrad();
    double t4 = sw.Elapsed.TotalMilliseconds;
    if (timed) { timings[0] += t1; timings[1] += t2 - t1; timings[2] += t3 - t2; timings[3] += t4 - t3; }
    return output.Loss;
}

for (int b = 0; b < warmup; b++) Step(b, false);
var process = Process.GetCurrentProcess();
var cpu0 = process.TotalProcessorTime;
var wall = Stopwatch.StartNew();
double lastLoss = 0;
for (int b = warmup; b < warmup + steps; b++) lastLoss = Step(b, true);
double seconds = wall.Elapsed.TotalSeconds;
process.Refresh();
double cpuSeconds = (process.TotalProcessorTime - cpu0).TotalSeconds;
long tokens = 0;
for (int i = warmup * batch; i < need; i++) tokens += anchorIds[i].Length + positiveIds[i].Length;

var result = new Dictionary<string, object>
{
    ["impl"] = implName,
    ["threads"] = threads,
    ["steps"] = steps,
    ["batch"] = batch,
    ["pairs_per_s"] = steps * batch / seconds,
    ["ms_per_step"] = 1000 * seconds / steps,
    ["cpu_ms_per_step"] = 1000 * cpuSeconds / steps,
    ["forward_ms"] = timings[0] / steps,
    ["loss_ms"] = timings[1] / steps,
    ["backward_ms"] = timings[2] / steps,
    ["optimizer_ms"] = timings[3] / steps,
    ["real_tokens_per_step"] = (double)tokens / steps,
    ["last_loss"] = lastLoss,
    ["peak_rss_mb"] = process.PeakWorkingSet64 / (1024.0 * 1024.0),
};
Console.WriteLine(JsonSerializer.Serialize(result));
if (options.TryGetValue("json", out var jsonPath)) File.WriteAllText(jsonPath, JsonSerializer.Serialize(result));

// --encode TEXTS.txt: the encode anchor of bench/run_encode_anchors.sh on libtorch 2.10 through TorchSharp. Same batches
// as bench/python/torch_encode.py (texts by descending character length, 32 per batch, padded to the longest); one
// warm-up batch; the fastest of --repeat passes of the forward passes alone (tokenization excluded).
static void EncodeAnchor(SentenceEncoder encoder, string path, int threads, Dictionary<string, string> options)
{
    TorchSharp.torch.set_num_threads(threads);
    int batchSize = int.Parse(options.GetValueOrDefault("batch") ?? "32"), repeat = int.Parse(options.GetValueOrDefault("repeat") ?? "2");
    var texts = File.ReadAllLines(path).Where(t => t.Length > 0).ToList();
    var order = Enumerable.Range(0, texts.Count).OrderByDescending(i => texts[i].Length).ToArray();
    var ids = encoder.Tokenize(order.Select(i => texts[i]).ToList());
    using var torchEncoder = new SemanticSearch.Training.Torch.TorchBertEncoder(encoder, new TrainingGraphOptions(), TorchSharp.torch.CPU);
    torchEncoder.Embed(ids.Take(batchSize).ToList());
    double best = double.MaxValue;
    for (int r = 0; r < repeat; r++)
    {
        var sw = Stopwatch.StartNew();
        for (int start = 0; start < ids.Length; start += batchSize) torchEncoder.Embed(ids.Skip(start).Take(batchSize).ToList());
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }
    var result = new Dictionary<string, object>
    {
        ["impl"] = $"libtorch {TorchSharp.torch.__version__} (TorchSharp 0.107) forward passes",
        ["threads"] = threads, ["texts"] = texts.Count, ["seconds"] = best, ["texts_per_s"] = texts.Count / best,
        ["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0),
    };
    Console.WriteLine(JsonSerializer.Serialize(result));
    if (options.TryGetValue("json", out var jsonPath)) File.WriteAllText(jsonPath, JsonSerializer.Serialize(result));
}

static List<(string Anchor, string Positive)> Banking77Pairs(string path)
{
    var pending = new Dictionary<string, string>();
    var pairs = new List<(string, string)>();
    foreach (var u in IntentCsvReader.Read(path))
    {
        if (pending.Remove(u.Intent, out var first)) pairs.Add((first, u.Text));
        else pending[u.Intent] = u.Text;
    }
    return pairs;
}

// [CLS] pieces [SEP] cut to maxLen, keeping the final [SEP] (the tokenizer's own truncation rule).
static int[][] Truncate(int[][] ids, int maxLen) =>
    ids.Select(s => s.Length <= maxLen ? s : s[..(maxLen - 1)].Append(s[^1]).ToArray()).ToArray();

static Dictionary<string, string> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string>();
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument {args[i]}");
        d[args[i][2..]] = args[i + 1];
    }
    return d;
}
