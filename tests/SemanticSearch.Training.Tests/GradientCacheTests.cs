using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// GradCache contract with a toy linear encoder e = W x: accumulating each mini-batch's backward with the cached
/// embedding gradient must give the same dL/dW as one backward through the full batch.
/// </summary>
public class GradientCacheTests
{
    private const int Rows = 10, InDim = 5, Dim = 4;

    private static float[] Encode(float[] w, float[] x, int start, int count)
    {
        var e = new float[count * Dim];                 // [count, Dim] = x[start.., InDim] Wᵀ
        for (int r = 0; r < count; r++)
            for (int o = 0; o < Dim; o++)
            {
                double s = 0;
                for (int i = 0; i < InDim; i++) s += w[o * InDim + i] * x[(start + r) * InDim + i];
                e[r * Dim + o] = (float)s;
            }
        return e;
    }

    private static void AccumulateWeightGradient(double[] dw, ReadOnlySpan<float> de, float[] x, int start, int count)
    {
        for (int r = 0; r < count; r++)                 // dW[o, i] += de[r, o] · x[r, i]
            for (int o = 0; o < Dim; o++)
                for (int i = 0; i < InDim; i++) dw[o * InDim + i] += de[r * Dim + o] * x[(start + r) * InDim + i];
    }

    [Fact]
    public void MiniBatchBackwardWithCachedGradientsEqualsFullBatchBackward()
    {
        var random = new Random(7);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var w = Rand(Dim * InDim);
        var anchors = Rand(Rows * InDim);
        var positives = Rand(Rows * InDim);
        var loss = new MultipleNegativesRankingLoss(symmetric: true);

        // Full batch, one backward.
        var full = loss.Compute(new EmbeddingBatch(Rows, Dim, [Encode(w, anchors, 0, Rows), Encode(w, positives, 0, Rows)]));
        var expected = new double[Dim * InDim];
        AccumulateWeightGradient(expected, full.Gradients[0], anchors, 0, Rows);
        AccumulateWeightGradient(expected, full.Gradients[1], positives, 0, Rows);

        // GradCache: embed mini-batches "without graph", compute once, re-run each mini-batch with its cached slice.
        var cache = new GradientCache(loss, miniBatchSize: 3);
        var ranges = cache.MiniBatches(Rows);
        Assert.Equal(new[] { (0, 3), (3, 3), (6, 3), (9, 1) }, ranges);
        var a = new float[Rows * Dim];
        var p = new float[Rows * Dim];
        foreach (var (start, count) in ranges)
        {
            Encode(w, anchors, start, count).CopyTo(a, start * Dim);
            Encode(w, positives, start, count).CopyTo(p, start * Dim);
        }
        double value = cache.Compute(new EmbeddingBatch(Rows, Dim, [a, p]));
        Assert.Equal(full.Loss, value, 12);
        var actual = new double[Dim * InDim];
        foreach (var (start, count) in ranges)
        {
            var reA = Encode(w, anchors, start, count);
            cache.VerifyReproduced(0, start, reA);
            AccumulateWeightGradient(actual, cache.MiniBatchGradient(0, start, count), anchors, start, count);
            AccumulateWeightGradient(actual, cache.MiniBatchGradient(1, start, count), positives, start, count);
        }
        for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], actual[k], 6);
        Assert.True(expected.Max(Math.Abs) > 1e-3);
    }

    [Fact]
    public void ReRunThatDiffersFromTheCachedEmbeddingsIsRejected()
    {
        var cache = new GradientCache(new MultipleNegativesRankingLoss(), 2);
        Assert.Throws<InvalidOperationException>(() => cache.MiniBatchGradient(0, 0, 1));
        cache.Compute(new EmbeddingBatch(2, 2, [new float[] { 1, 0, 0, 1 }, new float[] { 1, 1, 0, 1 }]));
        var e = Assert.Throws<InvalidOperationException>(() => cache.VerifyReproduced(1, 0, new float[] { 1, 1, 0.5f, 1 }));
        Assert.Contains("column 1 row 1 dim 0", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.MiniBatchGradient(0, 1, 2));
    }
}
