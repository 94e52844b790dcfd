namespace SemanticSearch.Tensors.Tests;

/// <summary>Embeddings, Linear and Pooling against direct float64 computations.</summary>
public class LayerKernelTests
{
    [Fact]
    public void EmbeddingsSumWordTypeAndPositionRows()
    {
        const int hidden = 13, vocab = 50, positions = 20, types = 2;
        var word = Reference.Random(vocab * hidden, 1);
        var pos = Reference.Random(positions * hidden, 2);
        var type = Reference.Random(types * hidden, 3);
        int[] ids = [1, 49, 0, 7, 7], posIds = [0, 1, 2, 0, 19], typeIds = [0, 0, 1, 1, 0];
        var output = new float[ids.Length * hidden];
        Embeddings.Forward(output, ids, posIds, typeIds, word, pos, type, hidden);
        for (int t = 0; t < ids.Length; t++)
            for (int h = 0; h < hidden; h++)
            {
                float expected = (word[ids[t] * hidden + h] + type[typeIds[t] * hidden + h]) + pos[posIds[t] * hidden + h];
                Assert.Equal(expected, output[t * hidden + h]);
            }
    }

    [Fact]
    public void EmbeddingsRejectOutOfRangeIds()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Embeddings.Forward(new float[4], [5], [0], [0], new float[5 * 4], new float[4], new float[4], 4));
        Assert.Contains("tokenIds[0]=5", ex.Message);
    }

    [Theory]
    [InlineData(1, 3, 7, true)]
    [InlineData(13, 33, 257, true)]
    [InlineData(33, 384, 13, false)]
    public void LinearIsInputTimesWeightTransposedPlusBias(int rows, int inF, int outF, bool withBias)
    {
        var x = Reference.Random(rows * inF, 1);
        var w = Reference.Random(outF * inF, 2);
        var bias = withBias ? Reference.Random(outF, 3) : [];
        var output = Reference.Random(rows * outF, 4); // garbage must be overwritten
        Linear.Forward(output, x, w, bias, rows, inF, outF);
        var expected = new double[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double sum = withBias ? bias[o] : 0;
                for (int i = 0; i < inF; i++) sum += (double)x[r * inF + i] * w[o * inF + i];
                expected[r * outF + o] = sum;
            }
        Reference.AssertClose(expected, output, 1e-5 * Math.Sqrt(inF), 1e-5, "linear");
    }

    [Theory]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Max)]
    [InlineData(PoolingMode.MeanSqrtLen)]
    public void PoolingFollowsSentenceTransformers(PoolingMode mode)
    {
        const int hidden = 7;
        int[] offsets = [0, 1, 4, 11, 12];
        var x = Reference.Random(offsets[^1] * hidden, 5);
        var output = new float[(offsets.Length - 1) * hidden];
        Pooling.Forward(mode, output, x, offsets, hidden);
        var expected = new double[output.Length];
        for (int s = 0; s + 1 < offsets.Length; s++)
        {
            int len = offsets[s + 1] - offsets[s];
            for (int h = 0; h < hidden; h++)
            {
                var column = Enumerable.Range(offsets[s], len).Select(t => (double)x[t * hidden + h]).ToArray();
                expected[s * hidden + h] = mode switch
                {
                    PoolingMode.Cls => column[0],
                    PoolingMode.Mean => column.Sum() / len,
                    PoolingMode.Max => column.Max(),
                    _ => column.Sum() / Math.Sqrt(len),
                };
            }
        }
        Reference.AssertClose(expected, output, 1e-6, 1e-6, mode.ToString());
    }

    [Fact]
    public void PoolingRejectsEmptySequencesAndBadOffsets()
    {
        var ex = Assert.Throws<ArgumentException>(() => Pooling.Forward(PoolingMode.Mean, new float[4], new float[2], [0, 1, 1], 2));
        Assert.Contains("sequence 1 is empty", ex.Message);
        Assert.Throws<ArgumentException>(() => Pooling.Forward(PoolingMode.Mean, new float[2], new float[2], [1, 1], 2));
        Assert.Throws<ArgumentException>(() => Pooling.Forward(PoolingMode.Mean, new float[4], new float[6], [0, 3, 2], 2));
    }
}
