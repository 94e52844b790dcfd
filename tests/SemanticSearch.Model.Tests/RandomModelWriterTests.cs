using SemanticSearch.Checkpoints;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Tests;

public class RandomModelWriterTests
{
    [Fact]
    public void Same_seed_gives_the_same_model_and_other_seeds_differ()
    {
        using var dir = new TempDirectory();
        Assert.Equal(TinyModels.Create(dir, seed: 1).Fingerprint, TinyModels.Create(dir, seed: 1).Fingerprint);
        Assert.NotEqual(TinyModels.Create(dir, seed: 1).Fingerprint, TinyModels.Create(dir, seed: 2).Fingerprint);
    }

    [Fact]
    public void Default_initialization_is_berts()
    {
        using var dir = new TempDirectory();
        var model = RandomModelWriter.Write(dir.File("model"), TinyModels.WriteVocab(dir), TinyModels.Config(hidden: 64, heads: 4, intermediate: 128));
        var tensors = SafeTensorsFile.Read(Path.Combine(dir.File("model"), "model.safetensors"));

        var weight = tensors["encoder.layer.0.intermediate.dense.weight"].Data;
        double mean = weight.Average(v => (double)v);
        double std = Math.Sqrt(weight.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, 0.019, 0.021);
        Assert.All(tensors["encoder.layer.1.output.LayerNorm.weight"].Data, v => Assert.Equal(1f, v));
        Assert.All(tensors["encoder.layer.1.output.LayerNorm.bias"].Data, v => Assert.Equal(0f, v));
        Assert.All(tensors["encoder.layer.0.attention.self.query.bias"].Data, v => Assert.Equal(0f, v));
        Assert.True(model.Normalizes);
        Assert.Equal(40, model.MaxSeqLength); // min(256, max_position_embeddings 40)
    }

    [Fact]
    public void Written_folder_reloads_to_the_same_model()
    {
        using var dir = new TempDirectory();
        var written = RandomModelWriter.Write(dir.File("model"), TinyModels.WriteVocab(dir), TinyModels.Config(),
            new RandomModelOptions { Seed = 5, WeightStd = 0.3, Pooling = new[] { PoolingMode.Max, PoolingMode.Cls }, Normalize = false, MaxSeqLength = 12 });
        var loaded = SentenceEncoder.Load(dir.File("model"));
        Assert.Equal(written.Fingerprint, loaded.Fingerprint);
        Assert.Equal((32, 12, false), (loaded.Dimension, loaded.MaxSeqLength, loaded.Normalizes));
        var text = new[] { "how do i transfer money to my account" };
        Assert.Equal(written.Encode(text)[0], loaded.Encode(text)[0]);
    }

    [Fact]
    public void Vocabulary_must_match_the_config()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => RandomModelWriter.Create(TinyModels.WriteVocab(dir), TinyModels.Config() with { VocabSize = 999 }));
        Assert.Contains("vocab.txt", e.Message);
    }

    [Fact]
    public void MiniLM_shape_has_all_MiniLM_L6_v2_dimensions()
    {
        var c = BertConfig.MiniLmL6H384(30522);
        Assert.Equal((384, 6, 12, 1536, 512), (c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings));
    }
}
