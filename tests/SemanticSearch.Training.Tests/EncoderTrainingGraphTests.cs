using SemanticSearch.Model;
using SemanticSearch.Tensors;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Tests;

/// <summary>Behaviour of SentenceEncoderTrainingGraph beyond PyTorch parity: inference equality, dropout replay, determinism, freezing.</summary>
public class EncoderTrainingGraphTests
{
    private static SentenceEncoder Load() => SentenceEncoder.Load(EncoderGradientParityTests.ModelDir);

    private static readonly int[][] Batch =
    [
        [2, 7, 9, 11, 3], [2, 30, 3], [2, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20, 3], [2, 3], [2, 39, 38, 37, 3], [2, 21, 22, 3],
    ];

    // A fixed scalar of the output, Σ w·y, and its gradient w.
    private static float[] Weights(int n) => Enumerable.Range(0, n).Select(i => MathF.Sin(i * 0.7f + 0.3f)).ToArray();

    private static double Objective(float[] y)
    {
        var w = Weights(y.Length);
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += w[i] * y[i];
        return s;
    }

    [Fact]
    public void Eval_forward_equals_the_inference_encoder_bit_for_bit()
    {
        var encoder = Load();
        var graph = new SentenceEncoderTrainingGraph(encoder, new TrainingGraphOptions());
        var ours = graph.Forward(Batch, training: false);
        var expected = encoder.EncodeIds(Batch).SelectMany(r => r).ToArray();
        Assert.Equal(expected, ours);
        Assert.Equal(0UL, graph.DropoutStep); // eval consumes no dropout step
    }

    [Fact]
    public void Dropout_replays_exactly_when_the_step_is_restored_and_differs_between_steps()
    {
        var graph = new SentenceEncoderTrainingGraph(Load(), new TrainingGraphOptions { Seed = 5 });
        var eval = graph.Forward(Batch, training: false);
        graph.DropoutStep = 10;
        var first = graph.Forward(Batch, training: true);
        Assert.Equal(11UL, graph.DropoutStep);
        var second = graph.Forward(Batch, training: true);
        graph.DropoutStep = 10;
        var replay = graph.Forward(Batch, training: true);
        Assert.Equal(first, replay);
        Assert.NotEqual(first, second);
        Assert.NotEqual(eval, first);
        var otherSeed = new SentenceEncoderTrainingGraph(Load(), new TrainingGraphOptions { Seed = 6 }) { DropoutStep = 10 };
        Assert.NotEqual(first, otherSeed.Forward(Batch, training: true));
    }

    private static float[][] Gradients(int threads, Action<SentenceEncoderTrainingGraph>? setup = null)
    {
        int saved = ComputeThreads.Count;
        ComputeThreads.Count = threads;
        try
        {
            var graph = new SentenceEncoderTrainingGraph(Load(), new TrainingGraphOptions { Seed = 3 });
            setup?.Invoke(graph);
            var y = graph.Forward(Batch, training: true);
            graph.Backward(Weights(y.Length));
            return graph.Parameters.Select(p => (float[])p.Gradients.Clone()).ToArray();
        }
        finally { ComputeThreads.Count = saved; }
    }

    [Fact]
    public void Gradients_with_dropout_are_identical_for_one_and_two_threads()
    {
        var one = Gradients(1);
        var two = Gradients(2);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
        Assert.Contains(one, g => g.Any(v => v != 0));
    }

    [Fact]
    public void Frozen_parameters_keep_a_zero_gradient_and_the_rest_are_unchanged()
    {
        var all = Gradients(1);
        var frozen = Gradients(1, g => { g.FreezeEmbeddings(); g.FreezeBottomLayers(1); });
        var graph = new SentenceEncoderTrainingGraph(Load(), new TrainingGraphOptions());
        for (int i = 0; i < all.Length; i++)
        {
            string name = graph.Parameters[i].Name;
            bool isFrozen = name.StartsWith("embeddings.") || name.StartsWith("encoder.layer.0.");
            if (isFrozen) Assert.All(frozen[i], v => Assert.Equal(0f, v));
            else Assert.Equal(all[i], frozen[i]);
        }
    }

    [Fact]
    public void Gradients_accumulate_over_backward_calls_until_ZeroGrad()
    {
        var graph = new SentenceEncoderTrainingGraph(Load(), new TrainingGraphOptions { HiddenDropout = 0, AttentionDropout = 0 });
        var y = graph.Forward(Batch, training: true);
        graph.Backward(Weights(y.Length));
        var once = graph.Parameters.Select(p => (float[])p.Gradients.Clone()).ToArray();
        graph.Forward(Batch, training: true);
        graph.Backward(Weights(y.Length));
        for (int i = 0; i < once.Length; i++)
            for (int j = 0; j < once[i].Length; j++) Assert.Equal(2 * once[i][j], graph.Parameters[i].Gradients[j], 1e-6f * (1 + Math.Abs(once[i][j])));
        graph.ZeroGrad();
        Assert.All(graph.Parameters, p => Assert.All(p.Gradients, v => Assert.Equal(0f, v)));
        Assert.Throws<InvalidOperationException>(() => graph.Backward(Weights(y.Length))); // one Backward per Forward
    }

    /// <summary>
    /// With dropout ON, the gradient of a replayed forward against central differences in float32 (the step is
    /// restored before every evaluation, so each sees the same masks). Two pooling modes concatenated, no Normalize. (Max pooling is left to the kernel test: a 1e-2 step moves argmaxes.)
    /// </summary>
    [Fact]
    public void Dropout_gradients_match_finite_differences_with_cls_and_mean_pooling()
    {
        var vocab = Path.Combine(EncoderGradientParityTests.ModelDir, "vocab.txt");
        var config = new SemanticSearch.Model.Configuration.BertConfig
        {
            VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 24,
            MaxPositionEmbeddings = 16, HiddenAct = SemanticSearch.Model.Configuration.HiddenActivation.GeluTanh,
        };
        var encoder = RandomModelWriter.Create(vocab, config, new RandomModelOptions { Seed = 9, WeightStd = 0.3, Pooling = [PoolingMode.Cls, PoolingMode.Mean], Normalize = false });
        var graph = new SentenceEncoderTrainingGraph(encoder, new TrainingGraphOptions { Seed = 4, HiddenDropout = 0.2f, AttentionDropout = 0.2f });
        double Run() { graph.DropoutStep = 1; return Objective(graph.Forward(Batch, training: true)); }
        Run();
        graph.Backward(Weights(Batch.Length * graph.Dimension));
        var rng = new Random(1);
        int checkedCount = 0;
        foreach (var p in graph.Parameters.Where(p => !p.Name.Contains("position") && !p.Name.Contains("token_type")))
        {
            for (int k = 0; k < 2; k++)
            {
                int i = rng.Next(p.Values.Length);
                if (p.Name.Contains("word_embeddings")) i = 7 * config.HiddenSize + rng.Next(config.HiddenSize); // a used row
                ParameterGradientCheck.AssertMatches(p, i, Run, floor: 1);
                checkedCount++;
            }
        }
        Assert.True(checkedCount >= 40);
    }

    [Fact]
    public void Weights_are_shared_with_the_encoder_and_the_fingerprint_follows_after_invalidation()
    {
        var encoder = Load();
        var graph = new SentenceEncoderTrainingGraph(encoder, new TrainingGraphOptions());
        string before = encoder.Fingerprint;
        var embeddingBefore = encoder.EncodeIds([Batch[0]])[0];
        var y = graph.Forward(Batch, training: false);
        graph.Backward(Weights(y.Length));
        // One plain SGD step on every parameter through TrainableParameter.Values.
        foreach (var p in graph.Parameters)
            for (int i = 0; i < p.Values.Length; i++) p.Values[i] -= 0.01f * p.Gradients[i];
        Assert.NotEqual(embeddingBefore, encoder.EncodeIds([Batch[0]])[0]); // the encoder runs the updated arrays
        Assert.Equal(before, encoder.Fingerprint); // cached until told
        encoder.InvalidateFingerprint();
        Assert.NotEqual(before, encoder.Fingerprint);
    }
}
