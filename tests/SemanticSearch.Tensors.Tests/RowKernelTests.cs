namespace SemanticSearch.Tensors.Tests;

/// <summary>LayerNorm, Softmax and L2Normalize against float64 references, awkward widths included.</summary>
public class RowKernelTests
{
    public static IEnumerable<object[]> Widths() => new[] { 1, 3, 7, 13, 33, 257, 384 }.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Widths))]
    public void LayerNormMatchesReferenceAndSavesStatistics(int cols)
    {
        const int rows = 5;
        var x = Reference.Random(rows * cols, cols, 3f);
        for (int i = 0; i < x.Length; i++) x[i] += 2f; // non-zero mean
        var gamma = Reference.Random(cols, 2);
        var beta = Reference.Random(cols, 3);
        var output = new float[rows * cols];
        var mean = new float[rows];
        var rstd = new float[rows];
        const float eps = 1e-12f;
        LayerNorm.Forward(output, mean, rstd, x, gamma, beta, rows, cols, eps);

        var expected = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double m = 0, v = 0;
            for (int c = 0; c < cols; c++) m += x[r * cols + c];
            m /= cols;
            for (int c = 0; c < cols; c++) v += Math.Pow(x[r * cols + c] - m, 2);
            v /= cols;
            double s = 1 / Math.Sqrt(v + eps);
            Assert.Equal(m, mean[r], 1e-5);
            if (cols > 1) Assert.True(Math.Abs(rstd[r] - s) <= 1e-4 * s, $"rstd {rstd[r]} vs {s}");
            for (int c = 0; c < cols; c++) expected[r * cols + c] = (x[r * cols + c] - m) * s * gamma[c] + beta[c];
        }
        // cols == 1: variance is 0, so rstd = 1/√eps and (x − mean) is exactly 0 → output = beta.
        Reference.AssertClose(expected, output, 2e-5, 1e-5, $"layernorm cols={cols}");
    }

    [Fact]
    public void LayerNormAcceptsEmptyStatisticsAndRunsInPlace()
    {
        var x = Reference.Random(2 * 9, 4);
        var gamma = Enumerable.Repeat(1f, 9).ToArray();
        var beta = new float[9];
        LayerNorm.Forward(x, [], [], x, gamma, beta, 2, 9, 1e-5f);
        for (int r = 0; r < 2; r++)
        {
            var row = x.AsSpan(r * 9, 9).ToArray();
            Assert.True(Math.Abs(row.Average()) < 1e-6);
            Assert.True(Math.Abs(row.Select(v => v * v).Average() - 1) < 1e-3);
        }
        Assert.Throws<ArgumentException>(() => LayerNorm.Forward(new float[18], new float[1], [], x, gamma, beta, 2, 9, 1e-5f));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void SoftmaxMatchesReference(int cols)
    {
        const int rows = 4;
        var x = Reference.Random(rows * cols, cols + 100, 20f);
        x[0] = 80f; // large logits must not overflow
        var output = new float[rows * cols];
        Softmax.Forward(output, x, rows, cols);
        var expected = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < cols; c++) max = Math.Max(max, x[r * cols + c]);
            for (int c = 0; c < cols; c++) sum += Math.Exp(x[r * cols + c] - max);
            for (int c = 0; c < cols; c++) expected[r * cols + c] = Math.Exp(x[r * cols + c] - max) / sum;
        }
        Reference.AssertClose(expected, output, 1e-7, 2e-6, $"softmax cols={cols}");
    }

    [Fact]
    public void SoftmaxUnderflowsToZeroForVeryNegativeLogits()
    {
        var x = new float[] { 0f, -200f, -1000f, float.NegativeInfinity };
        var o = new float[4];
        Softmax.Forward(o, x, 1, 4);
        Assert.Equal(new float[] { 1f, 0f, 0f, 0f }, o);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void L2NormalizeMatchesTorchNormalize(int cols)
    {
        const int rows = 3;
        var x = Reference.Random(rows * cols, cols + 7);
        for (int c = 0; c < cols; c++) x[2 * cols + c] = 0f; // zero row stays zero (eps clamp)
        var output = new float[rows * cols];
        L2Normalize.Forward(output, x, rows, cols);
        var expected = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, cols).Sum(c => (double)x[r * cols + c] * x[r * cols + c]));
            for (int c = 0; c < cols; c++) expected[r * cols + c] = x[r * cols + c] / Math.Max(norm, 1e-12);
        }
        Reference.AssertClose(expected, output, 1e-7, 1e-6, $"l2 cols={cols}");
    }
}
