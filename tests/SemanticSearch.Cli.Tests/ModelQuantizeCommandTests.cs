using SemanticSearch.Model;

namespace SemanticSearch.Cli.Tests;

/// <summary>`semsearch model quantize`: an int8 folder that `encode` takes like any model, refusals, no partial folder left.</summary>
public class ModelQuantizeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "semsearch-model-quantize-tests-" + Guid.NewGuid().ToString("N"));

    public ModelQuantizeCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Writes_an_int8_model_that_encode_takes_and_refuses_bad_outputs()
    {
        string model = Path.Combine(_dir, "model"), int8 = Path.Combine(_dir, "int8");
        Assert.Equal(0, ModelInitCommandTests.Run("model", "init", "--vocab", ModelInitCommandTests.Vocab, "--output", model,
            "--layers", "2", "--hidden", "32", "--heads", "2", "--intermediate", "48", "--normalize").Code);
        var (code, stdout, stderr) = ModelInitCommandTests.Run("model", "quantize", "--model", model, "--output", int8);
        Assert.True(code == 0, stderr);
        Assert.Contains("int8 Linear weights (2 layers)", stdout);
        Assert.Empty(Directory.GetDirectories(_dir, "int8.partial-*"));

        var fp32 = SentenceEncoder.Load(model);
        var loaded = SentenceEncoder.Load(int8);
        Assert.NotNull(loaded.Transformer.Weights.Int8);
        Assert.NotEqual(fp32.Fingerprint, loaded.Fingerprint);
        Assert.Equal(Int8Quantizer.Quantize(fp32).Fingerprint, loaded.Fingerprint);

        string input = Path.Combine(_dir, "in.txt"), output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllLines(input, ["my card is lost", "how do I top up?"]);
        var encoded = ModelInitCommandTests.Run("encode", "--model", int8, "--input", input, "--output", output);
        Assert.True(encoded.Code == 0, encoded.Err);
        Assert.Equal(2, File.ReadAllLines(output).Length);

        var exists = ModelInitCommandTests.Run("model", "quantize", "--model", model, "--output", int8);
        Assert.Equal(2, exists.Code);
        Assert.Contains("--overwrite", exists.Err);
        Assert.Equal(0, ModelInitCommandTests.Run("model", "quantize", "--model", model, "--output", int8, "--overwrite").Code);
        var again = ModelInitCommandTests.Run("model", "quantize", "--model", int8, "--output", Path.Combine(_dir, "twice"));
        Assert.Equal(1, again.Code);
        Assert.Contains("already int8", again.Err);
        var inside = ModelInitCommandTests.Run("model", "quantize", "--model", model, "--output", _dir, "--overwrite");
        Assert.Equal(2, inside.Code);
        Assert.Contains("contains the input", inside.Err);
        Assert.True(Directory.Exists(model));
    }
}
