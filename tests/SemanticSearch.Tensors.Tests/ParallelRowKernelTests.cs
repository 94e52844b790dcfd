namespace SemanticSearch.Tensors.Tests;

/// <summary>
/// The element- and row-wise forward kernels split big inputs over the compute threads. Their results must
/// not depend on that: every output is compared bit for bit with the single-thread run, on sizes above the
/// split thresholds and not multiples of the vector width or of the chunk count.
/// </summary>
public class ParallelRowKernelTests
{
    private static float[] Run(int threads, Func<float[]> body)
    {
        float[] result = [];
        Reference.WithThreads(threads, () => result = body());
        return result;
    }

    [Theory]
    [InlineData(70_001)]
    [InlineData(200_003)]
    public void ActivationsAreIdenticalOnOneTwoAndThreeThreads(int n)
    {
        var x = Reference.Random(n, 11, scale: 4f);
        foreach (var (name, f) in new (string, Action<float[], float[]>)[]
                 {
                     ("gelu", (o, i) => Gelu.Forward(o, i)),
                     ("gelu-tanh", (o, i) => GeluTanh.Forward(o, i)),
                     ("relu", (o, i) => Relu.Forward(o, i)),
                 })
        {
            float[] Apply() { var o = new float[n]; f(o, x); return o; }
            var serial = Run(1, Apply);
            Reference.AssertBitsEqual(serial, Run(2, Apply), $"{name} 2 threads");
            Reference.AssertBitsEqual(serial, Run(3, Apply), $"{name} 3 threads");
            // In place (output aliases input), as BertEncoder runs GELU.
            var inPlace = Run(2, () => { var o = (float[])x.Clone(); f(o, o); return o; });
            Reference.AssertBitsEqual(serial, inPlace, $"{name} in place");
        }
    }

    [Fact]
    public void GeluOfABigInputMatchesTheSmallInputPathElementwise()
    {
        // The parallel path against the serial kernel on single-element calls (the padded tail path).
        var x = Reference.Random(100_000, 12, scale: 4f);
        var big = Run(2, () => { var o = new float[x.Length]; Gelu.Forward(o, x); return o; });
        var one = new float[1];
        for (int i = 0; i < x.Length; i += 997)
        {
            Gelu.Forward(one, x.AsSpan(i, 1));
            Assert.Equal(BitConverter.SingleToInt32Bits(one[0]), BitConverter.SingleToInt32Bits(big[i]));
        }
    }

    [Theory]
    [InlineData(301, 384)]
    [InlineData(1000, 67)]
    public void LayerNormOutputAndStatisticsAreIdenticalOnOneAndTwoThreads(int rows, int cols)
    {
        var x = Reference.Random(rows * cols, 21, scale: 3f);
        var gamma = Reference.Random(cols, 22);
        var beta = Reference.Random(cols, 23);
        float[] Apply()
        {
            var output = new float[rows * cols];
            var mean = new float[rows];
            var rstd = new float[rows];
            LayerNorm.Forward(output, mean, rstd, x, gamma, beta, rows, cols, 1e-12f);
            return [.. output, .. mean, .. rstd];
        }
        var serial = Run(1, Apply);
        Reference.AssertBitsEqual(serial, Run(2, Apply), "layernorm 2 threads");
        Reference.AssertBitsEqual(serial, Run(3, Apply), "layernorm 3 threads");
        // In place without statistics (inference) gives the same outputs.
        var inPlace = Run(2, () =>
        {
            var o = (float[])x.Clone();
            LayerNorm.Forward(o, Span<float>.Empty, Span<float>.Empty, o, gamma, beta, rows, cols, 1e-12f);
            return o;
        });
        Reference.AssertBitsEqual(serial.AsSpan(0, rows * cols), inPlace, "layernorm in place");
    }

    [Fact]
    public void LinearWithBiasIsIdenticalOnOneAndTwoThreads()
    {
        const int rows = 257, inF = 64, outF = 385;
        var x = Reference.Random(rows * inF, 31);
        var w = Reference.Random(outF * inF, 32);
        var bias = Reference.Random(outF, 33);
        float[] Apply() { var o = new float[rows * outF]; Linear.Forward(o, x, w, bias, rows, inF, outF); return o; }
        var serial = Run(1, Apply);
        Reference.AssertBitsEqual(serial, Run(2, Apply), "linear 2 threads");
        // And it really is x·Wᵀ + b (spot check in float64).
        for (int r = 0; r < rows; r += 37)
            for (int j = 0; j < outF; j += 29)
            {
                double expected = bias[j];
                for (int p = 0; p < inF; p++) expected += (double)x[r * inF + p] * w[j * inF + p];
                Assert.True(Math.Abs(expected - serial[r * outF + j]) < 1e-4, $"linear [{r},{j}]: {serial[r * outF + j]} vs {expected}");
            }
    }
}
