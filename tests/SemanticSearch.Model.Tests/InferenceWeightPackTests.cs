using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Tests;

/// <summary>
/// Inference packs the Linear weights once; a training graph changes them in place afterwards, so taking
/// the weights for training (MarkTrainable) must drop the packs, or encodings would use stale weights.
/// </summary>
public class InferenceWeightPackTests
{
    // Enough tokens per batch (> 64 rows) that the packed path runs rather than the few-rows path.
    private static readonly string[] Texts = Enumerable.Range(0, 12)
        .Select(i => $"text number {i} about card payments and transfers that take a while to arrive").ToArray();

    [Fact]
    public void Changing_weights_after_MarkTrainable_changes_the_embeddings_like_a_fresh_load()
    {
        string model = TestPaths.FixtureModel("mini-mean-f32");
        var encoder = SentenceEncoder.Load(model);
        var before = encoder.Encode(Texts, batchSize: 64); // packs made here

        encoder.Transformer.Weights.MarkTrainable();
        Scale(encoder.Transformer.Weights.Layers[0].IntermediateWeight, 1.5f);
        var after = encoder.Encode(Texts, batchSize: 64);

        var fresh = SentenceEncoder.Load(model);
        fresh.Transformer.Weights.MarkTrainable(); // never packed: the plain per-call path
        Scale(fresh.Transformer.Weights.Layers[0].IntermediateWeight, 1.5f);
        var expected = fresh.Encode(Texts, batchSize: 64);

        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i], after[i]);
            Assert.NotEqual(before[i], after[i]);
        }
    }

    [Fact]
    public void Packed_and_unpacked_encoders_give_identical_bits()
    {
        string model = TestPaths.FixtureModel("mini-mean-f32");
        var packed = SentenceEncoder.Load(model);
        var plain = SentenceEncoder.Load(model);
        plain.Transformer.Weights.MarkTrainable();
        var a = packed.Encode(Texts, batchSize: 64);
        var b = plain.Encode(Texts, batchSize: 64);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(b[i], a[i]);
    }

    private static void Scale(float[] values, float factor)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= factor;
    }
}
