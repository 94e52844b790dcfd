using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Tests;

public class SentenceEncoderTests
{
    private static readonly string[] Texts = { "my card is not working", "how do i top up", "transfer money to my account ." };

    [Fact]
    public void Several_poolings_are_concatenated_in_cls_max_mean_order()
    {
        using var dir = new TempDirectory();
        var combined = TinyModels.Create(dir, pooling: new[] { PoolingMode.Mean, PoolingMode.Cls, PoolingMode.Max }, normalize: false);
        var cls = TinyModels.Create(dir, pooling: new[] { PoolingMode.Cls }, normalize: false).Encode(Texts);
        var max = TinyModels.Create(dir, pooling: new[] { PoolingMode.Max }, normalize: false).Encode(Texts);
        var mean = TinyModels.Create(dir, pooling: new[] { PoolingMode.Mean }, normalize: false).Encode(Texts);
        Assert.Equal(48, combined.Dimension);
        var output = combined.Encode(Texts);
        for (int i = 0; i < Texts.Length; i++)
            Assert.Equal(cls[i].Concat(max[i]).Concat(mean[i]), output[i]);
    }

    [Fact]
    public void Normalize_gives_unit_vectors_in_the_direction_of_the_pooled_vector()
    {
        using var dir = new TempDirectory();
        var raw = TinyModels.Create(dir, normalize: false).Encode(Texts);
        var unit = TinyModels.Create(dir, normalize: true).Encode(Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            double norm = Math.Sqrt(raw[i].Sum(v => (double)v * v));
            Assert.InRange(Math.Sqrt(unit[i].Sum(v => (double)v * v)), 1 - 1e-5, 1 + 1e-5);
            for (int j = 0; j < raw[i].Length; j++) Assert.Equal(raw[i][j] / norm, unit[i][j], 1e-5);
        }
    }

    [Fact]
    public void Long_texts_are_truncated_to_max_seq_length()
    {
        using var dir = new TempDirectory();
        var model = TinyModels.Create(dir); // max_seq_length 32
        string longText = string.Join(' ', Enumerable.Repeat("card", 100));
        var ids = model.Tokenize(new[] { longText })[0];
        Assert.Equal(32, ids.Length);
        Assert.Equal(model.Tokenizer.SepId, ids[^1]);
        Assert.Equal(model.EncodeIds(new[] { ids })[0], model.Encode(new[] { longText })[0]);
    }

    [Fact]
    public void EncodeIds_rejects_bad_sequences_naming_the_index()
    {
        using var dir = new TempDirectory();
        var model = TinyModels.Create(dir);
        Assert.Contains("idSequences[1]", Assert.Throws<ArgumentException>(() => model.EncodeIds(new[] { new[] { 2, 3 }, new int[33] })).Message);
        Assert.Contains("idSequences[0]", Assert.Throws<ArgumentException>(() => model.EncodeIds(new[] { Array.Empty<int>() })).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => model.EncodeIds(new[] { new[] { 2, 999, 3 } })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.EncodeIds(new[] { new[] { 2, 3 } }, batchSize: 0));
        Assert.Empty(model.Encode(Array.Empty<string>()));
    }

    [Fact]
    public void Sentence_bert_lower_casing_applies_before_the_tokenizer()
    {
        using var dir = new TempDirectory();
        var model = RandomModelWriter.Create(TinyModels.WriteVocab(dir), TinyModels.Config(),
            new RandomModelOptions { TokenizerOptions = new Tokenization.TokenizerOptions { DoLowerCase = false } });
        model.Save(dir.File("cased"));
        Assert.Contains(model.Tokenizer.UnkId, model.Tokenize(new[] { "CARD" })[0]); // cased tokenizer, lowercase vocab
        File.WriteAllText(Path.Combine(dir.File("cased"), "sentence_bert_config.json"), """{"max_seq_length": 20, "do_lower_case": true}""");
        var lowering = SentenceEncoder.Load(dir.File("cased"));
        Assert.Equal(lowering.Tokenize(new[] { "card" })[0], lowering.Tokenize(new[] { "CARD" })[0]);
        Assert.DoesNotContain(lowering.Tokenizer.UnkId, lowering.Tokenize(new[] { "CARD" })[0]);
        Assert.NotEqual(model.Fingerprint, lowering.Fingerprint);
    }

    [Fact]
    public void Folder_problems_name_the_file_and_field()
    {
        using var dir = new TempDirectory();
        TinyModels.Create(dir).Save(dir.File("m"));
        string m = dir.File("m");

        File.WriteAllText(Path.Combine(m, "1_Pooling", "config.json"), """{"word_embedding_dimension": 8, "pooling_mode_mean_tokens": true}""");
        var e = Assert.Throws<ModelConfigException>(() => SentenceEncoder.Load(m));
        Assert.Equal("word_embedding_dimension", e.Field);
        Assert.EndsWith(Path.Combine("1_Pooling", "config.json"), e.FilePath);

        File.WriteAllText(Path.Combine(m, "1_Pooling", "config.json"), """{"word_embedding_dimension": 16, "pooling_mode_mean_tokens": true}""");
        File.WriteAllText(Path.Combine(m, "sentence_bert_config.json"), """{"max_seq_length": 41}""");
        e = Assert.Throws<ModelConfigException>(() => SentenceEncoder.Load(m));
        Assert.Equal("max_seq_length", e.Field);
        Assert.Contains("max_position_embeddings", e.Message);

        File.Delete(Path.Combine(m, "sentence_bert_config.json"));
        string config = File.ReadAllText(Path.Combine(m, "config.json"));
        File.WriteAllText(Path.Combine(m, "config.json"), config.Replace($"\"vocab_size\": {TinyModels.Words.Length}", "\"vocab_size\": 10"));
        e = Assert.Throws<ModelConfigException>(() => SentenceEncoder.Load(m));
        Assert.Equal("vocab_size", e.Field);

        Directory.CreateDirectory(dir.File("empty"));
        Assert.Contains("not a model folder", Assert.Throws<ModelConfigException>(() => SentenceEncoder.Load(dir.File("empty"))).Message);
        Assert.Throws<DirectoryNotFoundException>(() => SentenceEncoder.Load(dir.File("absent")));
    }

    [Fact]
    public void Plain_folder_defaults_follow_sentence_transformers()
    {
        var model = SentenceEncoder.Load(TestPaths.FixtureModel("plain-hf-bert"));
        Assert.False(model.Normalizes);
        Assert.Equal(new[] { PoolingMode.Mean }, model.Pooling.Config.Modes);
        Assert.Equal(20, model.MaxSeqLength); // min(max_position_embeddings 64, tokenizer model_max_length 20)
    }
}
