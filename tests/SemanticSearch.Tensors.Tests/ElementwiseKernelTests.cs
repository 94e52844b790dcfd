namespace SemanticSearch.Tensors.Tests;

public class ElementwiseKernelTests
{
    [Fact]
    public void GeluErfIsAccurateToOneMillionthOnADenseGrid()
    {
        // Dense grid over the range that matters plus the far tails.
        var x = new List<float>();
        for (double v = -10; v <= 10; v += 1.0 / 1024) x.Add((float)v);
        x.AddRange([0f, -0f, 1e-20f, -1e-20f, 30f, -30f, 1e6f, -1e6f]);
        var input = x.ToArray();
        var output = new float[input.Length];
        Gelu.Forward(output, input);
        double worstErf = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double xi = input[i];
            double erf = Reference.Erf(xi / Math.Sqrt(2));
            double expected = 0.5 * xi * (1 + erf);
            // Recover the erf the kernel used where x is large enough for that to be well conditioned.
            if (Math.Abs(xi) > 0.05 && Math.Abs(xi) < 100)
                worstErf = Math.Max(worstErf, Math.Abs((output[i] / (0.5 * xi) - 1) - erf));
            Assert.True(Math.Abs(output[i] - expected) <= 1e-6 * Math.Max(1, Math.Abs(xi)),
                $"gelu({xi:R}) = {output[i]:R}, expected {expected:R}");
        }
        Assert.True(worstErf < 1e-6, $"worst erf error {worstErf:E3}");
    }

    [Fact]
    public void GeluTanhMatchesHuggingFaceGeluNew()
    {
        var input = Reference.Random(1003, 1, 8f);
        input[0] = 0f; input[1] = 50f; input[2] = -50f;
        var output = new float[input.Length];
        GeluTanh.Forward(output, input);
        var expected = input.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * Math.Pow(v, 3))))).ToArray();
        Reference.AssertClose(expected, output, 1e-6, 1e-6, "gelu_new");
    }

    [Fact]
    public void ReluClampsNegativesAndWorksInPlace()
    {
        var x = new float[] { -2f, -0.5f, 0f, 0.5f, 3f, -1e-30f, 7f, -7f, 9f, -9f, 1f };
        var expected = x.Select(v => (double)Math.Max(v, 0f)).ToArray();
        Relu.Forward(x, x);
        Reference.AssertClose(expected, x, 0, 0, "relu");
    }

    [Fact]
    public void ElementResultDoesNotDependOnPositionInTheSpan()
    {
        // The same value in the vector body and in the padded tail must give the same bits.
        var values = Reference.Random(13, 2, 5f);
        var outLong = new float[13];
        Gelu.Forward(outLong, values);
        for (int i = 0; i < values.Length; i++)
        {
            var one = new float[1];
            Gelu.Forward(one, values.AsSpan(i, 1));
            Assert.Equal(BitConverter.SingleToInt32Bits(outLong[i]), BitConverter.SingleToInt32Bits(one[0]));
        }
    }

    [Fact]
    public void MismatchedLengthsAreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gelu.Forward(new float[3], new float[4]));
        Assert.Contains("Gelu", ex.Message);
    }

    [Fact]
    public void ResidualAddsElementWise()
    {
        var a = Reference.Random(37, 1);
        var b = Reference.Random(37, 2);
        var o = new float[37];
        Residual.Forward(o, a, b);
        Reference.AssertClose(a.Zip(b, (x, y) => (double)(x + y)).ToArray(), o, 0, 0, "residual");
    }
}
