using System.Text.Json;
using SemanticSearch.Model;
using SemanticSearch.Training.Metrics;

namespace SemanticSearch.Cli.Tests;

/// <summary>`semsearch train` end to end on a tiny random model (hidden 32, 2 layers) written by `model init`.</summary>
public class TrainCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "semsearch-train-tests-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public TrainCommandTests()
    {
        Directory.CreateDirectory(_dir);
        _model = Path.Combine(_dir, "base");
        var (code, _, err) = ModelInitCommandTests.Run("model", "init", "--vocab", ModelInitCommandTests.Vocab, "--output", _model,
            "--layers", "2", "--hidden", "32", "--heads", "2", "--intermediate", "64", "--max-position", "64", "--max-seq-length", "32");
        Assert.True(code == 0, err);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    internal static string SharedData
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SemanticSearch.sln"))) return Path.Combine(dir.FullName, "..", "shared", "data");
            throw new InvalidOperationException("SemanticSearch.sln not found");
        }
    }

    private static readonly string[][] Intents =
    [
        ["card_arrival", "where is my new card", "my card has not arrived yet", "card still not delivered", "when will the card come"],
        ["pin_blocked", "my pin is blocked", "unblock my pin please", "pin locked after wrong tries", "i entered the wrong pin too often"],
        ["refund", "i want a refund", "how do i get my money back", "refund not received", "return an item for a refund"],
        ["top_up", "top up failed", "my top up did not work", "cannot add money to account", "adding money was declined"],
    ];

    private string WritePairs(string name)
    {
        var lines = Intents.SelectMany(g => g.Skip(1).Select((t, i) => JsonSerializer.Serialize(new { anchor = t, positive = g[1 + (i + 1) % 4] })));
        string path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private string WriteBeir()
    {
        string folder = Path.Combine(_dir, "eval");
        Directory.CreateDirectory(Path.Combine(folder, "qrels"));
        File.WriteAllLines(Path.Combine(folder, "corpus.jsonl"), Intents.Select(g => JsonSerializer.Serialize(new { _id = g[0], title = g[0].Replace('_', ' '), text = g[1] })));
        File.WriteAllLines(Path.Combine(folder, "queries.jsonl"), Intents.Select((g, i) => JsonSerializer.Serialize(new { _id = $"q{i}", text = g[4] })));
        File.WriteAllLines(Path.Combine(folder, "qrels", "test.tsv"), ["query-id\tcorpus-id\tscore", .. Intents.Select((g, i) => $"q{i}\t{g[0]}\t1")]);
        return folder;
    }

    [Fact]
    public void Torch_backend_trains_through_the_same_loop_into_a_model_the_managed_engine_loads()
    {
        string output = Path.Combine(_dir, "out-torch");
        var (code, stdout, stderr) = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("pairs.jsonl"), "--output", output,
            "--epochs", "2", "--batch-size", "4", "--lr", "1e-3", "--eval", WriteBeir(), "--matryoshka", "32,16", "--backend", "torch", "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("on torch:cpu", stderr);
        Assert.Contains("ndcg@10", stdout);
        var trained = SentenceEncoder.Load(output);
        Assert.NotEqual(SentenceEncoder.Load(_model).Fingerprint, trained.Fingerprint);
        Assert.True(MetricsJsonlReader.Read(Path.Combine(output, "metrics.jsonl")).Count(r => r.Kind == "train") >= 4);
    }

    [Fact]
    public void Cuda_without_a_cuda_build_fails_naming_what_to_install_and_writes_nothing()
    {
        if (TorchSharp.torch.cuda.is_available()) return; // a GPU machine checks the CUDA path with tools/gpu-check.sh
        string output = Path.Combine(_dir, "out-cuda");
        var (code, _, stderr) = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("pairs.jsonl"), "--output", output,
            "--batch-size", "4", "--device", "cuda");
        Assert.NotEqual(0, code);
        Assert.Contains("-p:TorchRuntime=cuda", stderr);
        Assert.Contains("TorchSharp-cuda-linux", stderr);
        Assert.False(Directory.Exists(output));
        (code, _, stderr) = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("pairs.jsonl"), "--output", output,
            "--batch-size", "4", "--device", "cuda:0", "--backend", "managed");
        Assert.NotEqual(0, code);
        Assert.Contains("needs the torch backend", stderr);
    }

    [Fact]
    public void TrainsPairsIntoALoadableModelWithMetricsAndChart()
    {
        string output = Path.Combine(_dir, "out");
        var (code, stdout, stderr) = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("pairs.jsonl"), "--output", output,
            "--epochs", "3", "--batch-size", "4", "--lr", "1e-3", "--eval", WriteBeir(), "--eval-steps", "2", "--threads", "1", "--matryoshka", "32,16");
        Assert.True(code == 0, stderr);
        Assert.Contains("completed:", stdout);
        Assert.Contains("ndcg@10", stdout);
        Assert.Contains("step 1/", stderr);
        Assert.Contains("eval at step 0", stderr);

        var trained = SentenceEncoder.Load(output);
        Assert.NotEqual(SentenceEncoder.Load(_model).Fingerprint, trained.Fingerprint);
        var records = MetricsJsonlReader.Read(Path.Combine(output, "metrics.jsonl"));
        Assert.Contains(records, r => r.Kind == "eval" && r.Step == 0);
        Assert.True(records.Count(r => r.Kind == "train") >= 6);
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(output, "training-chart.svg")));
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoints")));

        // Existing output: refused without --overwrite, and left as it was.
        var again = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("pairs.jsonl"), "--output", output, "--batch-size", "4");
        Assert.Equal(2, again.Code);
        Assert.Contains("already exists", again.Err);
        Assert.Equal(trained.Fingerprint, SentenceEncoder.Load(output).Fingerprint);
    }

    [Fact]
    public void FaqRecipeTrainsFromAnIntentCsv()
    {
        string csv = Path.Combine(_dir, "intents.csv");
        File.WriteAllLines(csv, ["text,category", .. Intents.SelectMany(g => g.Skip(1).Select(t => $"\"{t}\",{g[0]}"))]);
        string output = Path.Combine(_dir, "faq");
        var (code, stdout, stderr) = ModelInitCommandTests.Run("train", "--model", _model, "--recipe", "faq", "--intents", csv, "--output", output,
            "--batch-size", "3", "--epochs", "2", "--lr", "1e-3", "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("on 16 examples", stderr);
        Assert.NotNull(SentenceEncoder.Load(output));
        Assert.Contains("completed:", stdout);
    }

    [Fact]
    public void BadPairsLineIsReportedWithFileAndLine()
    {
        string pairs = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(pairs, ["{\"anchor\": \"a b\", \"positive\": \"c d\"}", "{\"anchor\": \"e f\", \"positve\": \"g h\"}"]);
        string output = Path.Combine(_dir, "out-bad");
        var (code, _, stderr) = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", pairs, "--output", output, "--batch-size", "1");
        Assert.Equal(1, code);
        Assert.Contains($"{pairs}:2:", stderr);
        Assert.Contains("positve", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void BatchLargerThanTheDataIsRefused()
    {
        string output = Path.Combine(_dir, "out-big");
        var (code, _, stderr) = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("p.jsonl"), "--output", output, "--batch-size", "17");
        Assert.Equal(2, code);
        Assert.Contains("--batch-size 17 is larger than the 16 training examples", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void UnloadableModelIsAClearError()
    {
        string broken = Path.Combine(_dir, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "config.json"), "{ not json");
        var (code, _, stderr) = ModelInitCommandTests.Run("train", "--model", broken, "--pairs", WritePairs("p2.jsonl"), "--output", Path.Combine(_dir, "o"), "--batch-size", "4");
        Assert.Equal(1, code);
        Assert.Contains("cannot load --model", stderr);
        var missing = ModelInitCommandTests.Run("train", "--model", Path.Combine(_dir, "nope"), "--pairs", WritePairs("p3.jsonl"), "--output", Path.Combine(_dir, "o"), "--batch-size", "4");
        Assert.Equal(1, missing.Code);
        Assert.Contains("nope", missing.Err);
    }

    [Fact]
    public void ResumeNeedsAnExistingRunAndOptionsAreChecked()
    {
        var resume = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("p4.jsonl"), "--output", Path.Combine(_dir, "none"), "--batch-size", "4", "--resume");
        Assert.Equal(2, resume.Code);
        Assert.Contains("nothing to resume", resume.Err);
        Assert.Contains("--early-stopping needs --eval",
            ModelInitCommandTests.Run("train", "--model", _model, "--pairs", "x", "--output", "y", "--early-stopping", "2").Err);
        Assert.Contains("--matryoshka takes positive integers",
            ModelInitCommandTests.Run("train", "--model", _model, "--pairs", "x", "--output", "y", "--matryoshka", "32,abc").Err);
        var inside = ModelInitCommandTests.Run("train", "--model", _model, "--pairs", WritePairs("p5.jsonl"), "--output", _dir, "--batch-size", "4", "--overwrite");
        Assert.Equal(2, inside.Code);
        Assert.Contains("contains the input", inside.Err);
        Assert.True(Directory.Exists(_model));
    }
}
