using SemanticSearch.Checkpoints;

namespace SemanticSearch.Model.Tests;

public class SaveReloadTests
{
    private static readonly string[] Texts = { "My card is not working", "how do i top up?", "", "transfer money to my account, the bank lost my pin." };

    [Theory]
    [InlineData("mini-cls-f16-prefixed")]
    [InlineData("mini-max-bin")]
    [InlineData("plain-hf-bert")]
    public void Saved_model_reloads_with_bit_identical_outputs_and_fingerprint(string model)
    {
        var original = SentenceEncoder.Load(TestPaths.FixtureModel(model));
        using var dir = new TempDirectory();
        original.Save(dir.Path);
        var reloaded = SentenceEncoder.Load(dir.Path);

        Assert.Equal(original.Fingerprint, reloaded.Fingerprint);
        Assert.Equal((original.Dimension, original.MaxSeqLength, original.Normalizes), (reloaded.Dimension, reloaded.MaxSeqLength, reloaded.Normalizes));
        var a = original.Encode(Texts);
        var b = reloaded.Encode(Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(a[i], b[i]);

        // The saved weights are plain F32 BertModel tensors with unfused q/k/v, loadable by PyTorch.
        var tensors = SafeTensorsFile.Read(Path.Combine(dir.Path, "model.safetensors"));
        Assert.All(tensors.Values, t => Assert.Equal(TensorDType.F32, t.SourceDType));
        Assert.Contains("encoder.layer.1.attention.self.key.weight", tensors.Keys);
        Assert.DoesNotContain(tensors.Keys, k => k.StartsWith("bert.", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(dir.Path, "modules.json")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "1_Pooling", "config.json")));
    }

    [Fact]
    public void Saving_twice_gives_identical_weight_files()
    {
        var model = SentenceEncoder.Load(TestPaths.FixtureModel("mini-meansqrt-bf16"));
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        model.Save(a.Path);
        SentenceEncoder.Load(a.Path).Save(b.Path);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, "model.safetensors")), File.ReadAllBytes(Path.Combine(b.Path, "model.safetensors")));
    }

    [Fact]
    public void Fingerprint_tells_models_apart()
    {
        var fingerprints = ReferenceFixtureTests.ModelNames.Select(m => SentenceEncoder.Load(TestPaths.FixtureModel(m)).Fingerprint).ToList();
        Assert.Equal(fingerprints.Count, fingerprints.Distinct().Count());
        Assert.All(fingerprints, f => Assert.Matches("^[0-9a-f]{64}$", f));
    }

    [Fact]
    public void Fingerprint_covers_max_seq_length()
    {
        using var dir = new TempDirectory();
        var model = SentenceEncoder.Load(TestPaths.FixtureModel("mini-mean-f32"));
        model.Save(dir.Path);
        File.WriteAllText(Path.Combine(dir.Path, "sentence_bert_config.json"), """{"max_seq_length": 12, "do_lower_case": false}""");
        var shorter = SentenceEncoder.Load(dir.Path);
        Assert.Equal(12, shorter.MaxSeqLength);
        Assert.NotEqual(model.Fingerprint, shorter.Fingerprint);
    }
}
