using SemanticSearch.Model;

namespace SemanticSearch.Cli.Tests;

/// <summary>`semsearch model init` through <see cref="CommandLine.Run(string[], TextWriter, TextWriter)"/>.</summary>
public class ModelInitCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "semsearch-model-init-tests-" + Guid.NewGuid().ToString("N"));

    public ModelInitCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    internal static string Vocab => Path.Combine(TrainCommandTests.SharedData, "bert-base-uncased", "vocab.txt");

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void WritesALoadableModelOfTheRequestedShape()
    {
        string output = Path.Combine(_dir, "model");
        var (code, stdout, stderr) = Run("model", "init", "--vocab", Vocab, "--output", output, "--layers", "2", "--hidden", "32", "--heads", "2",
            "--intermediate", "48", "--max-position", "64", "--max-seq-length", "40", "--pooling", "cls", "--normalize", "--seed", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("2 layers, hidden 32", stdout);

        var encoder = SentenceEncoder.Load(output);
        var config = encoder.Transformer.Config;
        Assert.Equal((2, 32, 2, 48, 64, 30522), (config.NumHiddenLayers, config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize, config.MaxPositionEmbeddings, config.VocabSize));
        Assert.Equal(32, encoder.Dimension);
        Assert.Equal(40, encoder.MaxSeqLength);
        Assert.True(encoder.Normalizes);
        Assert.Equal(Tensors.PoolingMode.Cls, Assert.Single(encoder.Pooling.Config.Modes));
        var e = encoder.Encode(["hello world"])[0];
        Assert.Equal(1.0, Math.Sqrt(e.Sum(x => (double)x * x)), 4);

        // BERT initialization: N(0, 0.02) weights, LayerNorm 1/0.
        var words = encoder.Transformer.Weights.WordEmbeddings;
        double mean = words.Average(x => (double)x), std = Math.Sqrt(words.Average(x => (x - mean) * (x - mean)));
        Assert.Equal(0.0, mean, 3);
        Assert.Equal(0.02, std, 3);
        Assert.All(encoder.Transformer.Weights.EmbeddingLayerNormWeight, w => Assert.Equal(1f, w));
        Assert.All(encoder.Transformer.Weights.EmbeddingLayerNormBias, b => Assert.Equal(0f, b));

        // Same seed → same weights; existing output refused without --overwrite.
        string again = Path.Combine(_dir, "again");
        Assert.Equal(0, Run("model", "init", "--vocab", Vocab, "--output", again, "--layers", "2", "--hidden", "32", "--heads", "2",
            "--intermediate", "48", "--max-position", "64", "--max-seq-length", "40", "--pooling", "cls", "--normalize", "--seed", "3").Code);
        Assert.Equal(encoder.Fingerprint, SentenceEncoder.Load(again).Fingerprint);
        var refused = Run("model", "init", "--vocab", Vocab, "--output", output, "--layers", "1", "--hidden", "32", "--heads", "2");
        Assert.Equal(2, refused.Code);
        Assert.Contains("already exists", refused.Err);
        Assert.Equal(encoder.Fingerprint, SentenceEncoder.Load(output).Fingerprint); // untouched
    }

    [Fact]
    public void BadArgumentsAreUsageErrors()
    {
        string output = Path.Combine(_dir, "m");
        Assert.Contains("multiple of --heads", Run("model", "init", "--vocab", Vocab, "--output", output, "--hidden", "30", "--heads", "4").Err);
        Assert.Contains("unknown sub-command 'model create' (expected init, import, pull or quantize)", Run("model", "create", "--vocab", Vocab, "--output", output).Err);
        var unknown = Run("model", "init", "--vocab", Vocab, "--output", output, "--hiden", "32");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("unknown option: --hiden", unknown.Err);
        var missing = Run("model", "init", "--vocab", Path.Combine(_dir, "no-vocab.txt"), "--output", output);
        Assert.Equal(1, missing.Code);
        Assert.Contains("no-vocab.txt", missing.Err);
        Assert.False(Directory.Exists(output));
    }
}
