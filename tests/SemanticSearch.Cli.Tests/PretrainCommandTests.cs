using SemanticSearch.Model;
using SemanticSearch.Training.Metrics;

namespace SemanticSearch.Cli.Tests;

/// <summary>`semsearch pretrain` on a tiny random model (hidden 32, 2 layers).</summary>
public class PretrainCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "semsearch-pretrain-tests-" + Guid.NewGuid().ToString("N"));

    public PretrainCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void AFewEpochsLowerTheMlmLossAndTheOutputLoads()
    {
        string model = Path.Combine(_dir, "base");
        Assert.Equal(0, ModelInitCommandTests.Run("model", "init", "--vocab", ModelInitCommandTests.Vocab, "--output", model,
            "--layers", "2", "--hidden", "32", "--heads", "2", "--intermediate", "64", "--max-position", "64", "--max-seq-length", "32").Code);
        // A tiny repetitive corpus: the model can memorize which words fill the masks.
        string corpus = Path.Combine(_dir, "corpus.txt");
        string[] sentences = ["my card has not arrived yet", "how do i reset my pin", "i want a refund for this payment", "the top up failed again"];
        File.WriteAllLines(corpus, Enumerable.Range(0, 32).Select(i => sentences[i % 4]));
        string output = Path.Combine(_dir, "pretrained");

        var (code, stdout, stderr) = ModelInitCommandTests.Run("pretrain", "--model", model, "--corpus", corpus, "--output", output,
            "--epochs", "8", "--batch-size", "8", "--lr", "3e-3", "--mask-prob", "0.3", "--dropout", "0", "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains("newly initialized", stderr);
        var losses = MetricsJsonlReader.Read(Path.Combine(output, "metrics.jsonl"))
            .Where(r => r.Kind == "train").Select(r => r.Values.Single(v => v.Key == "mlm_loss").Value).ToList();
        Assert.Equal(32, losses.Count);
        double first = losses.Take(4).Average(), last = losses.TakeLast(4).Average();
        // Starts near ln(30522) ≈ 10.3; measured 10.27 → 7.77 over these 32 steps.
        Assert.True(last < first - 1.5, $"MLM loss {first:F3} → {last:F3}");
        Assert.Contains("MLM loss first epoch", stdout);
        Assert.NotEqual(SentenceEncoder.Load(model).Fingerprint, SentenceEncoder.Load(output).Fingerprint);

        // Pretraining continues from the saved head.
        var again = ModelInitCommandTests.Run("pretrain", "--model", output, "--corpus", corpus, "--output", Path.Combine(_dir, "again"),
            "--batch-size", "8", "--lr", "1e-3", "--threads", "1");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("continued from the model", again.Err);
    }

    [Fact]
    public void BadCorpusLineAndOversizedBatchAreErrors()
    {
        string model = Path.Combine(_dir, "m");
        Assert.Equal(0, ModelInitCommandTests.Run("model", "init", "--vocab", ModelInitCommandTests.Vocab, "--output", model,
            "--layers", "1", "--hidden", "32", "--heads", "2", "--max-position", "64").Code);
        string corpus = Path.Combine(_dir, "c.jsonl");
        File.WriteAllLines(corpus, ["{\"text\": \"fine\"}", "{\"txt\": \"typo\"}"]);
        var bad = ModelInitCommandTests.Run("pretrain", "--model", model, "--corpus", corpus, "--output", Path.Combine(_dir, "o"));
        Assert.Equal(1, bad.Code);
        Assert.Contains($"{corpus}:2:", bad.Err);
        File.WriteAllLines(corpus, ["{\"text\": \"one\"}", "{\"text\": \"two\"}"]);
        var big = ModelInitCommandTests.Run("pretrain", "--model", model, "--corpus", corpus, "--output", Path.Combine(_dir, "o"), "--batch-size", "3");
        Assert.Equal(2, big.Code);
        Assert.Contains("--batch-size 3 is larger than the 2 texts", big.Err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "o")));
    }
}
