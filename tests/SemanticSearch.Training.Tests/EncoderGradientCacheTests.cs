using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// The GradCache contract (Losses/GradientCache.cs) on the real graph with dropout on: embed mini-batches, compute
/// the loss on the full batch, then replay each mini-batch's forward by restoring DropoutStep and backpropagate its
/// cached gradient. The result must equal backpropagating the same loss through forwards that kept activations.
/// </summary>
public class EncoderGradientCacheTests
{
    private static readonly int[][] Anchors = [[2, 7, 9, 3], [2, 30, 31, 3], [2, 5, 6, 7, 8, 3], [2, 11, 3]];
    private static readonly int[][] Positives = [[2, 7, 10, 3], [2, 30, 3], [2, 5, 6, 9, 3], [2, 12, 13, 3]];

    [Fact]
    public void Replayed_mini_batches_give_the_direct_gradient()
    {
        var options = new TrainingGraphOptions { Seed = 8, HiddenDropout = 0.1f, AttentionDropout = 0.1f };
        var loss = new MultipleNegativesRankingLoss(20);
        const int mini = 2, d = 32;

        // Direct: one graph per mini-batch (each keeps its activations), same DropoutSteps as below.
        var encoder = SentenceEncoder.Load(EncoderGradientParityTests.ModelDir);
        var graphs = new List<SentenceEncoderTrainingGraph>();
        var anchorRows = new float[Anchors.Length * d];
        var positiveRows = new float[Positives.Length * d];
        ulong step = 0;
        for (int start = 0; start < Anchors.Length; start += mini)
        {
            var g = new SentenceEncoderTrainingGraph(encoder, options) { DropoutStep = step++ };
            var y = g.Forward(Anchors[start..(start + mini)].Concat(Positives[start..(start + mini)]).ToArray(), training: true);
            y.AsSpan(0, mini * d).CopyTo(anchorRows.AsSpan(start * d));
            y.AsSpan(mini * d).CopyTo(positiveRows.AsSpan(start * d));
            graphs.Add(g);
        }
        var full = loss.Compute(new EmbeddingBatch(Anchors.Length, d, [anchorRows, positiveRows]));
        for (int k = 0; k < graphs.Count; k++)
            graphs[k].Backward(full.Gradients[0].AsSpan(k * mini * d, mini * d).ToArray().Concat(full.Gradients[1].AsSpan(k * mini * d, mini * d).ToArray()).ToArray());
        var direct = graphs[0].Parameters.Select((p, i) => p.Gradients.Select((v, j) => graphs.Sum(g => g.Parameters[i].Gradients[j])).ToArray()).ToArray();

        // GradCache on one graph: pass 1 embeds, pass 2 replays each mini-batch from its saved DropoutStep.
        var graph = new SentenceEncoderTrainingGraph(encoder, options);
        var cache = new GradientCache(loss, mini);
        var a = new float[Anchors.Length * d];
        var p = new float[Positives.Length * d];
        var steps = new List<ulong>();
        foreach (var (start, count) in cache.MiniBatches(Anchors.Length))
        {
            steps.Add(graph.DropoutStep);
            var y = graph.Forward(Anchors[start..(start + count)].Concat(Positives[start..(start + count)]).ToArray(), training: true);
            y.AsSpan(0, count * d).CopyTo(a.AsSpan(start * d));
            y.AsSpan(count * d).CopyTo(p.AsSpan(start * d));
        }
        Assert.Equal(full.Loss, cache.Compute(new EmbeddingBatch(Anchors.Length, d, [a, p])), 12);
        int batchIndex = 0;
        foreach (var (start, count) in cache.MiniBatches(Anchors.Length))
        {
            graph.DropoutStep = steps[batchIndex++];
            var y = graph.Forward(Anchors[start..(start + count)].Concat(Positives[start..(start + count)]).ToArray(), training: true);
            cache.VerifyReproduced(0, start, y.AsSpan(0, count * d), tolerance: 0f);
            cache.VerifyReproduced(1, start, y.AsSpan(count * d), tolerance: 0f);
            graph.Backward(cache.MiniBatchGradient(0, start, count).ToArray().Concat(cache.MiniBatchGradient(1, start, count).ToArray()).ToArray());
        }
        for (int i = 0; i < direct.Length; i++)
            for (int j = 0; j < direct[i].Length; j++)
                Assert.True(Math.Abs(direct[i][j] - graph.Parameters[i].Gradients[j]) <= 1e-6f * (1 + Math.Abs(direct[i][j])), $"{graph.Parameters[i].Name}[{j}]");
    }
}
