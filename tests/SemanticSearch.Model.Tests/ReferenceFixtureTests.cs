using System.Text.Json;

namespace SemanticSearch.Model.Tests;

/// <summary>
/// Each reference model (random weights, PyTorch float64 outputs, see tests/fixtures/reference/README.md)
/// must tokenize identically and embed within float32 accuracy.
/// </summary>
public class ReferenceFixtureTests
{
    public static readonly string[] ModelNames = { "mini-mean-f32", "mini-cls-f16-prefixed", "mini-max-bin", "mini-meansqrt-bf16", "plain-hf-bert" };

    public static TheoryData<string> Models => new(ModelNames);

    private sealed record Expected(string[] Texts, int[][] Ids, double[][] Embeddings, int MaxSeqLength, bool Normalize, int Dimension);

    private static Expected ReadExpected(string model)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.FixtureModel(model), "expected.json")));
        var root = doc.RootElement;
        return new Expected(
            root.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray(),
            root.GetProperty("input_ids").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray(),
            root.GetProperty("embeddings").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray(),
            root.GetProperty("max_seq_length").GetInt32(),
            root.GetProperty("normalize").GetBoolean(),
            root.GetProperty("dimension").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Model_settings_match_the_reference(string model)
    {
        var expected = ReadExpected(model);
        var encoder = SentenceEncoder.Load(TestPaths.FixtureModel(model));
        Assert.Equal(expected.MaxSeqLength, encoder.MaxSeqLength);
        Assert.Equal(expected.Normalize, encoder.Normalizes);
        Assert.Equal(expected.Dimension, encoder.Dimension);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Token_ids_match_the_reference(string model)
    {
        var expected = ReadExpected(model);
        var encoder = SentenceEncoder.Load(TestPaths.FixtureModel(model));
        var ids = encoder.Tokenize(expected.Texts);
        for (int i = 0; i < expected.Texts.Length; i++)
            Assert.True(expected.Ids[i].SequenceEqual(ids[i]), $"text {i} ({expected.Texts[i]}): expected [{string.Join(" ", expected.Ids[i])}], got [{string.Join(" ", ids[i])}]");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Embeddings_match_the_float64_reference(string model)
    {
        var expected = ReadExpected(model);
        var encoder = SentenceEncoder.Load(TestPaths.FixtureModel(model));
        // Encode from the reference ids so a tokenizer difference cannot hide or cause a model difference.
        var embeddings = encoder.EncodeIds(expected.Ids, batchSize: 7);
        double worst = 0;
        for (int i = 0; i < embeddings.Length; i++)
        {
            Assert.Equal(expected.Embeddings[i].Length, embeddings[i].Length);
            for (int j = 0; j < embeddings[i].Length; j++) worst = Math.Max(worst, Math.Abs(embeddings[i][j] - expected.Embeddings[i][j]));
        }
        Assert.True(worst <= 1e-4, $"{model}: max abs diff {worst:E3} > 1e-4");
        // From text as well: the full path gives the same vectors.
        var fromText = encoder.Encode(expected.Texts, batchSize: 5);
        for (int i = 0; i < embeddings.Length; i++) Assert.Equal(embeddings[i], fromText[i]);
    }
}
