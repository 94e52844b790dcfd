using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;

namespace SemanticSearch.Training.Tests;

/// <summary>MaskedLanguageModelGraph: finite differences of the MLM loss (dropout on, replayed), tied decoder, save/reload.</summary>
public class EncoderMaskedLanguageModelTests
{
    private static readonly int[][] Ids = [[2, 4, 9, 11, 4, 3], [2, 30, 3], [2, 5, 4, 7, 8, 3]];
    private static readonly int[][] Labels =
    [
        [-100, 17, -100, -100, 12, -100], [-100, -100, -100], [-100, -100, 6, -100, -100, -100],
    ];

    private static MaskedLanguageModelGraph Graph(float dropout) =>
        new(SentenceEncoder.Load(EncoderGradientParityTests.ModelDir), new TrainingGraphOptions { Seed = 2, HiddenDropout = dropout, AttentionDropout = dropout }, headSeed: 3);

    [Fact]
    public void Loss_gradients_match_finite_differences_with_dropout_on()
    {
        var graph = Graph(0.15f);
        // A head with non-trivial values, so every head parameter matters.
        var rng = new Random(4);
        foreach (var p in graph.Head) for (int i = 0; i < p.Values.Length; i++) p.Values[i] += (float)(rng.NextDouble() - 0.5) * 0.2f;
        double Run() { graph.DropoutStep = 3; return graph.Forward(Ids, Labels, training: true); }
        double loss = Run();
        Assert.True(loss > 0.5, $"loss {loss}");
        graph.Backward();

        int word = 20; // an id not in the input: its embedding gradient comes only through the tied decoder
        var wordGrad = graph.Parameters[0].Gradients.AsSpan(word * 32, 32).ToArray();
        Assert.Contains(wordGrad, v => v != 0);

        var pick = new Random(5);
        int checkedCount = 0;
        foreach (var p in graph.Parameters.Where(p => !p.Name.Contains("position") && !p.Name.Contains("token_type")))
        {
            for (int k = 0; k < 2; k++)
            {
                int i = p.Name.Contains("word_embeddings") ? (k == 0 ? word : 4) * 32 + pick.Next(32) : pick.Next(p.Values.Length);
                ParameterGradientCheck.AssertMatches(p, i, Run, floor: 0.05);
                checkedCount++;
            }
        }
        Assert.True(checkedCount >= 50);
    }

    [Fact]
    public void Nothing_masked_gives_zero_loss_and_no_gradient()
    {
        var graph = Graph(0f);
        var none = Ids.Select(r => r.Select(_ => MaskedLanguageModelGraph.IgnoreLabel).ToArray()).ToArray();
        Assert.Equal(0.0, graph.Forward(Ids, none, training: true));
        graph.Backward();
        Assert.All(graph.Parameters, p => Assert.All(p.Gradients, v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void Save_writes_the_head_beside_the_encoder_and_both_load_back()
    {
        var graph = Graph(0f);
        graph.DecoderBias.Values[7] = 0.5f;
        graph.TransformDense.Values[3] = -0.25f;
        string dir = Path.Combine(Path.GetTempPath(), "mlm-save-" + Guid.NewGuid().ToString("N"));
        try
        {
            graph.Save(dir);
            var reloaded = SentenceEncoder.Load(dir); // the loader skips cls.* tensors
            Assert.Equal(SentenceEncoder.Load(EncoderGradientParityTests.ModelDir).EncodeIds(Ids).SelectMany(r => r), reloaded.EncodeIds(Ids).SelectMany(r => r));
            var fresh = new MaskedLanguageModelGraph(reloaded, new TrainingGraphOptions(), headSeed: 99);
            Assert.True(fresh.LoadHead(dir));
            for (int i = 0; i < graph.Head.Count; i++) Assert.Equal(graph.Head[i].Values, fresh.Head[i].Values);
            Assert.False(new MaskedLanguageModelGraph(reloaded, new TrainingGraphOptions()).LoadHead(EncoderGradientParityTests.ModelDir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
