using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Training.Encoder;

namespace SemanticSearch.Training.Torch.Tests;

/// <summary>
/// The libtorch pipeline (padded batches, autograd-ready) against the managed inference engine (packed, no padding):
/// every output within 1e-4, on each weight layout the loader reads (the reference fixtures: safetensors F32/F16/BF16,
/// `bert.`-prefixed, pytorch_model.bin, plain HF BERT; CLS/mean/max/mean-sqrt pooling), a random MiniLM-shaped model,
/// and the real all-MiniLM-L6-v2.
/// </summary>
public class ForwardParityTests
{
    private const float Tolerance = 1e-4f;

    private static readonly string[] Texts =
    [
        "How do I reset my card PIN?", "my transfer has not arrived yet", "a",
        "Why was I charged twice for the same purchase at the supermarket yesterday evening?",
        "exchange rate", "I lost my phone and can't log in to the app, what should I do now?",
    ];

    private static void AssertSameOutputs(SentenceEncoder encoder)
    {
        var expected = encoder.Encode(Texts);
        using var torch = new TorchBertEncoder(encoder, new TrainingGraphOptions(), TorchDevice.Parse("cpu").Open());
        var actual = torch.Embed(encoder.Tokenize(Texts));
        int d = encoder.Dimension;
        Assert.Equal(Texts.Length * d, actual.Length);
        for (int t = 0; t < Texts.Length; t++)
            for (int k = 0; k < d; k++)
                Assert.True(Math.Abs(actual[t * d + k] - expected[t][k]) <= Tolerance,
                    $"text {t} dim {k}: torch {actual[t * d + k]} vs managed {expected[t][k]}");
    }

    public static IEnumerable<object[]> LayoutFixtures() =>
        Directory.GetDirectories(Fixtures.ReferenceModels).Select(d => new object[] { Path.GetFileName(d) });

    [Theory]
    [MemberData(nameof(LayoutFixtures))]
    public void Every_weight_layout_matches_the_managed_engine(string model) =>
        AssertSameOutputs(SentenceEncoder.Load(Path.Combine(Fixtures.ReferenceModels, model)));

    [Fact]
    public void Random_minilm_shaped_model_matches_the_managed_engine()
    {
        string vocab = Path.Combine(Fixtures.SharedData, "bert-base-uncased", "vocab.txt");
        var config = BertConfig.MiniLmL6H384(30522) with { NumHiddenLayers = 2 };
        AssertSameOutputs(RandomModelWriter.Create(vocab, config));
    }

    [Fact]
    public void Pretrained_all_MiniLM_L6_v2_matches_the_managed_engine() =>
        AssertSameOutputs(SentenceEncoder.Load(Path.Combine(Fixtures.SharedData, "all-MiniLM-L6-v2")));
}
