using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors.Tests;

public class SoftmaxShortRowTests
{
    // The general row path, spelled out: exact max, VectorMath.Exp per lane, RowReductions.Sum, divide.
    private static float[] GeneralPath(float[] x)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x) max = MathF.Max(max, v);
        var o = new float[x.Length];
        for (int i = 0; i < x.Length; i++) o[i] = VectorMath.Exp(Vector256.Create(x[i] - max)).GetElement(0);
        float sum = RowReductions.Sum(o);
        for (int i = 0; i < o.Length; i++) o[i] /= sum;
        return o;
    }

    [Fact]
    public void RowsUpToSixteenMatchTheGeneralPathBitForBit()
    {
        var random = new Random(7);
        for (int n = 1; n <= 16; n++)
            for (int trial = 0; trial < 50; trial++)
            {
                var x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float)(random.NextDouble() * 20 - 10);
                if (trial == 0) Array.Fill(x, -3.5f);
                var output = new float[n];
                Softmax.Forward(output, x, 1, n);
                Assert.Equal(GeneralPath(x), output);
            }
    }

    [Fact]
    public void ShortRowsPropagateNaNAndHandleInfinity()
    {
        var output = new float[5];
        Softmax.Forward(output, new[] { 1f, float.NaN, 2f, 0f, -1f }, 1, 5);
        Assert.All(output, v => Assert.True(float.IsNaN(v)));
        Softmax.Forward(output, new[] { float.NegativeInfinity, 0f, 0f, float.NegativeInfinity, 0f }, 1, 5);
        Assert.Equal(new[] { 0f, 1f / 3, 1f / 3, 0f, 1f / 3 }, output);
    }
}
