using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors.Tests;

public class RationalErfTests
{
    private static float Erf(float x) => RationalErf.Erf(Vector256.Create(x)).GetElement(0);

    [Fact]
    public void AbsoluteErrorBelowOneMillionthEverywhere()
    {
        double worst = 0, worstRelativeNearZero = 0;
        for (double v = -8; v <= 8; v += 1.0 / 4096)
        {
            float x = (float)v;
            double expected = Reference.Erf(x);
            double error = Math.Abs(Erf(x) - expected);
            worst = Math.Max(worst, error);
            if (Math.Abs(x) < 0.5 && x != 0) worstRelativeNearZero = Math.Max(worstRelativeNearZero, error / Math.Abs(expected));
        }
        Assert.True(worst < 1e-6, $"worst abs error {worst:E3}");
        Assert.True(worstRelativeNearZero < 1e-6, $"worst relative error near 0 {worstRelativeNearZero:E3}");
    }

    [Fact]
    public void OddAndSaturated()
    {
        foreach (float x in new[] { 1e-30f, 0.1f, 0.7f, 2.5f, 3.9f })
            Assert.Equal(-Erf(x), Erf(-x));
        Assert.Equal(0f, Erf(0f));
        foreach (float x in new[] { 4f, 10f, 1e30f, float.PositiveInfinity })
            Assert.True(Math.Abs(Erf(x) - 1f) < 1e-6f && Math.Abs(Erf(-x) + 1f) < 1e-6f, $"erf({x})");
    }

    [Fact]
    public void GeluOfNaNIsNaNAndEachValueIndependentOfItsLane()
    {
        var input = new float[] { float.NaN, 1f, -1f, 0.3f, 2f, -3f, 5f, -0.01f, 0.42f };
        var output = new float[input.Length];
        Gelu.Forward(output, input);
        Assert.True(float.IsNaN(output[0]));
        for (int i = 1; i < input.Length; i++)
        {
            var one = new float[1];
            Gelu.Forward(one, input.AsSpan(i, 1));
            Assert.Equal(output[i], one[0]);
        }
    }
}
