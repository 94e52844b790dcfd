using System.Text.Json;
using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// BERT + the tied masked-language-model head against PyTorch float64 autograd
/// (tests/fixtures/training/mlm-gradients.json, tools/reference/make_mlm_gradients.py): the mean cross-entropy over
/// masked positions and every encoder and head parameter's gradient (the word embeddings get both the lookup and the
/// tied decoder's share), for sequences of different lengths, dropout off.
/// </summary>
public class MaskedLanguageModelParityTests
{
    private static readonly string Folder = Path.Combine(ReferenceFixture.RepoRoot(), "tests", "fixtures", "training");
    private static readonly Lazy<JsonElement> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "mlm-gradients.json"))).RootElement);

    private static int[][] Rows(string property) =>
        Fixture.Value.GetProperty(property).EnumerateArray().Select(s => s.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();

    [Fact]
    public void Loss_and_every_gradient_match_pytorch()
    {
        var f = Fixture.Value;
        var encoder = SentenceEncoder.Load(Path.Combine(Folder, f.GetProperty("model").GetString()!));
        var graph = new MaskedLanguageModelGraph(encoder, new TrainingGraphOptions { HiddenDropout = 0, AttentionDropout = 0 });
        foreach (var p in graph.Head)
        {
            var values = ReferenceFixture.Floats(f.GetProperty("head").GetProperty(p.Name));
            Assert.Equal(p.Values.Length, values.Length);
            values.CopyTo(p.Values, 0);
        }

        double loss = graph.Forward(Rows("inputs"), Rows("labels"), training: false);
        graph.Backward();
        Assert.True(Math.Abs(loss - f.GetProperty("loss").GetDouble()) <= 1e-5, $"loss {loss:R} vs torch {f.GetProperty("loss").GetDouble():R}");

        var byName = graph.Parameters.ToDictionary(p => p.Name);
        int h = encoder.Transformer.Config.HiddenSize, checkedTensors = 0;
        foreach (var tensor in f.GetProperty("gradients").EnumerateObject())
        {
            var reference = ReferenceFixture.Doubles(tensor.Value);
            float[] ours = EncoderGradientParityTests.Ours(byName, tensor.Name, h);
            Assert.Equal(reference.Length, ours.Length);
            // Relative to the tensor's gradient norm (floored for tensors whose gradient is ~zero).
            double norm = Math.Sqrt(reference.Sum(v => v * v)), diff = 0;
            for (int i = 0; i < ours.Length; i++) diff += (ours[i] - reference[i]) * (ours[i] - reference[i]);
            diff = Math.Sqrt(diff);
            Assert.True(diff <= 1e-4 * Math.Max(norm, 1e-3), $"{tensor.Name}: ‖ours − torch‖ = {diff:E3}, ‖torch‖ = {norm:E3}");
            checkedTensors++;
        }
        // Every tensor of ours was compared (the fused q/k/v weight and bias of each layer count three times).
        Assert.Equal(graph.Parameters.Count + 2 * encoder.Transformer.Config.NumHiddenLayers * 2, checkedTensors);
        // The tied decoder's share reached the word embeddings: rows of tokens that never occur in the input still
        // get a gradient (every vocabulary row takes part in the softmax).
        var inputIds = Rows("inputs").SelectMany(r => r).ToHashSet();
        int unused = Enumerable.Range(0, encoder.Transformer.Config.VocabSize).First(id => !inputIds.Contains(id));
        Assert.Contains(byName["embeddings.word_embeddings.weight"].Gradients.AsSpan(unused * h, h).ToArray(), g => g != 0);
    }
}
