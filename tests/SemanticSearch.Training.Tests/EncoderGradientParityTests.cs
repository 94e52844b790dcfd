using System.Text.Json;
using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Optimization;
using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// The whole training graph (BERT → mean pooling → Normalize) plus MultipleNegativesRankingLoss against PyTorch
/// float64 autograd (tests/fixtures/training/encoder-gradients.json, tools/reference/make_encoder_gradients.py):
/// loss, embeddings and every parameter's gradient, dropout off.
/// </summary>
public class EncoderGradientParityTests
{
    private static readonly Lazy<JsonElement> Fixture = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(ReferenceFixture.RepoRoot(), "tests", "fixtures", "training", "encoder-gradients.json"))).RootElement);

    internal static string ModelDir => Path.Combine(ReferenceFixture.RepoRoot(), "tests", "fixtures", "training", "encoder-model");

    private static int[][] Ids(string column) =>
        Fixture.Value.GetProperty(column).EnumerateArray().Select(s => s.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();

    /// <summary>One training step's gradients, computed the way the training loop will: both columns in one Forward.</summary>
    internal static (SentenceEncoderTrainingGraph Graph, double Loss, float[] Embeddings) Step(SentenceEncoder encoder, TrainingGraphOptions options)
    {
        var anchors = Ids("anchors");
        var positives = Ids("positives");
        var graph = new SentenceEncoderTrainingGraph(encoder, options);
        var embeddings = graph.Forward(anchors.Concat(positives).ToArray(), training: false);
        int b = anchors.Length, d = graph.Dimension;
        var batch = new EmbeddingBatch(b, d, [embeddings[..(b * d)], embeddings[(b * d)..]]);
        var loss = new MultipleNegativesRankingLoss(Fixture.Value.GetProperty("scale").GetDouble()).Compute(batch);
        graph.Backward(loss.Gradients[0].Concat(loss.Gradients[1]).ToArray());
        return (graph, loss.Loss, embeddings);
    }

    [Fact]
    public void Loss_embeddings_and_every_gradient_match_pytorch()
    {
        var encoder = SentenceEncoder.Load(ModelDir);
        var (graph, loss, embeddings) = Step(encoder, new TrainingGraphOptions());
        var f = Fixture.Value;
        Assert.Equal(f.GetProperty("loss").GetDouble(), loss, 4);
        var expectedEmbeddings = ReferenceFixture.Doubles(f.GetProperty("anchor_embeddings")).Concat(ReferenceFixture.Doubles(f.GetProperty("positive_embeddings"))).ToArray();
        for (int i = 0; i < embeddings.Length; i++) Assert.True(Math.Abs(embeddings[i] - expectedEmbeddings[i]) < 2e-5, $"embedding {i}");

        var expected = f.GetProperty("gradients");
        var byName = graph.Parameters.ToDictionary(p => p.Name);
        int h = encoder.Transformer.Config.HiddenSize, checkedTensors = 0;
        foreach (var tensor in expected.EnumerateObject())
        {
            var reference = ReferenceFixture.Doubles(tensor.Value);
            float[] ours = Ours(byName, tensor.Name, h);
            Assert.Equal(reference.Length, ours.Length);
            // Relative to the tensor's gradient norm (floored by the global scale for tensors with ~zero gradient).
            double norm = Math.Sqrt(reference.Sum(v => v * v)), diff = 0;
            for (int i = 0; i < ours.Length; i++) diff += (ours[i] - reference[i]) * (ours[i] - reference[i]);
            diff = Math.Sqrt(diff);
            Assert.True(diff <= 1e-4 * Math.Max(norm, 1e-3), $"{tensor.Name}: ‖ours − torch‖ = {diff:E3}, ‖torch‖ = {norm:E3}");
            checkedTensors++;
        }
        // Every trainable tensor of ours was compared (q/k/v count three times for the fused one).
        Assert.Equal(graph.Parameters.Count + 2 * encoder.Transformer.Config.NumHiddenLayers * 2, checkedTensors);
    }

    // Our gradient for a HF name; query/key/value are row blocks of the fused qkv tensors.
    internal static float[] Ours(Dictionary<string, TrainableParameter> byName, string name, int h)
    {
        if (byName.TryGetValue(name, out var p)) return p.Gradients;
        foreach (var (part, block) in new[] { ("query", 0), ("key", 1), ("value", 2) })
        {
            string marker = $".attention.self.{part}.";
            if (!name.Contains(marker)) continue;
            string fused = name.Replace(marker, ".attention.self.qkv.");
            var g = byName[fused].Gradients;
            int size = name.EndsWith(".weight") ? h * h : h;
            return g.AsSpan(block * size, size).ToArray();
        }
        throw new KeyNotFoundException(name);
    }
}
