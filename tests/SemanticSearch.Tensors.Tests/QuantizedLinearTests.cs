namespace SemanticSearch.Tensors.Tests;

/// <summary>
/// The int8 Linear path: every kernel this CPU runs (AVX-VNNI, AVX2, scalar) against a float64 reference of the
/// documented quantization on awkward shapes (odd k, partial tiles and panels, one row), bit for bit against
/// each other, on 1 and 2 threads, and a row's output independent of the rows it is computed with.
/// </summary>
public class QuantizedLinearTests
{
    // The documented scheme, computed independently in double: per-row activation scale, exact integer sum.
    private static double[] Expected(float[] x, QuantizedLinearWeight w, float[] bias, int rows)
    {
        int n = w.OutFeatures, k = w.InFeatures;
        var y = new double[rows * n];
        for (int r = 0; r < rows; r++)
        {
            float max = 0f;
            for (int i = 0; i < k; i++) max = MathF.Max(max, MathF.Abs(x[r * k + i]));
            var q = new long[k];
            for (int i = 0; i < k; i++) q[i] = max == 0f ? 0 : (long)MathF.Round(x[r * k + i] * (127f / max));
            for (int o = 0; o < n; o++)
            {
                long sum = 0;
                for (int i = 0; i < k; i++) sum += q[i] * w.Values[o * k + i];
                y[r * n + o] = sum * ((double)(max / 127f) * w.Scales[o]) + (bias.Length > 0 ? bias[o] : 0);
            }
        }
        return y;
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 7, 3)]
    [InlineData(7, 33, 17)]
    [InlineData(13, 384, 1152)]
    [InlineData(100, 1536, 384)]
    [InlineData(131, 385, 50)]
    public void Every_kernel_matches_the_float64_reference_and_each_other(int rows, int inFeatures, int outFeatures)
    {
        var x = Reference.Random(rows * inFeatures, 1);
        var w = QuantizedLinearWeight.Quantize(Reference.Random(outFeatures * inFeatures, 2, 0.1f), outFeatures, inFeatures);
        var bias = Reference.Random(outFeatures, 3);
        var expected = Expected(x, w, bias, rows);
        float[]? first = null;
        foreach (var kernel in Int8MicroKernel.Supported)
            foreach (int threads in new[] { 1, 2 })
            {
                var y = new float[rows * outFeatures];
                Reference.WithThreads(threads, () => QuantizedLinear.Forward(kernel, y, x, w, bias, rows));
                // float32 products of the scales and one float rounding of a sum up to 2^24·k: a few ulps.
                Reference.AssertClose(expected, y, 1e-5, 1e-5, $"{kernel.Name}, {threads} thread(s)");
                if (first is null) first = y;
                else Reference.AssertBitsEqual(first, y, $"{kernel.Name}, {threads} thread(s) vs {Int8MicroKernel.Supported[0].Name}");
            }
    }

    [Fact]
    public void A_row_gets_the_same_bits_alone_and_in_any_batch()
    {
        const int rows = 120, k = 384, n = 1536;
        var x = Reference.Random(rows * k, 4);
        var w = QuantizedLinearWeight.Quantize(Reference.Random(n * k, 5, 0.05f), n, k);
        var bias = Reference.Random(n, 6);
        var all = new float[rows * n];
        Reference.WithThreads(2, () => QuantizedLinear.Forward(all, x, w, bias, rows));
        foreach (int r in new[] { 0, 7, 119 })
        {
            var alone = new float[n];
            Reference.WithThreads(1, () => QuantizedLinear.Forward(alone, x.AsSpan(r * k, k), w, bias, 1));
            Reference.AssertBitsEqual(all.AsSpan(r * n, n), alone, $"row {r} alone vs in a batch of {rows}");
        }
        // A different batch around rows 30..59: same bits for those rows.
        var part = new float[30 * n];
        QuantizedLinear.Forward(part, x.AsSpan(30 * k, 30 * k), w, bias, 30);
        Reference.AssertBitsEqual(all.AsSpan(30 * n, 30 * n), part, "rows 30..59 as their own batch");
    }

    [Fact]
    public void Quantized_product_stays_close_to_the_float_product()
    {
        const int rows = 64, k = 384, n = 384;
        var x = Reference.Random(rows * k, 7);
        var wf = Reference.Random(n * k, 8, 0.05f);
        var w = QuantizedLinearWeight.Quantize(wf, n, k);
        var y = new float[rows * n];
        QuantizedLinear.Forward(y, x, w, [], rows);
        var exact = Reference.Gemm(false, true, rows, n, k, 1f, x, k, wf, k, 0f, new float[rows * n], n);
        double err = 0, norm = 0;
        for (int i = 0; i < y.Length; i++) { err += (y[i] - exact[i]) * (y[i] - exact[i]); norm += exact[i] * exact[i]; }
        Assert.True(Math.Sqrt(err / norm) < 0.02, $"relative error {Math.Sqrt(err / norm):E2} of int8 vs float");
    }

    [Fact]
    public void Weight_quantization_is_per_channel_and_round_trips_through_its_values()
    {
        float[] wf = [0.5f, -1f, 0.25f, 0f, 0f, 0f, 2f, 1f, -0.5f];
        var w = QuantizedLinearWeight.Quantize(wf, 3, 3);
        Assert.Equal(new sbyte[] { 64, -127, 32, 0, 0, 0, 127, 64, -32 }, w.Values);
        Assert.Equal(new[] { 1f / 127f, 0f, 2f / 127f }, w.Scales);
        var again = QuantizedLinearWeight.FromValues(w.Values, w.Scales, 3, 3);
        var x = Reference.Random(5 * 3, 9);
        var a = new float[15]; var b = new float[15];
        QuantizedLinear.Forward(a, x, w, [], 5);
        QuantizedLinear.Forward(b, x, again, [], 5);
        Reference.AssertBitsEqual(a, b, "FromValues vs Quantize");
    }

    [Fact]
    public void Bad_values_and_rows_are_refused_or_flagged()
    {
        Assert.Contains("-128", Assert.Throws<ArgumentException>(() => QuantizedLinearWeight.FromValues([-128, 0], [1f], 1, 2)).Message);
        Assert.Contains("scale of channel 0", Assert.Throws<ArgumentException>(() => QuantizedLinearWeight.FromValues([1, 0], [float.NaN], 1, 2)).Message);
        Assert.Contains("weight row 0", Assert.Throws<ArgumentException>(() => QuantizedLinearWeight.Quantize([float.PositiveInfinity, 1f], 1, 2)).Message);
        var w = QuantizedLinearWeight.Quantize([1f, 2f], 1, 2);
        var y = new float[2];
        QuantizedLinear.Forward(y, [float.NaN, 1f, 0f, 0f], w, [0.5f], 2);
        Assert.True(float.IsNaN(y[0]), "a NaN input row gives a NaN output, not a made-up number");
        Assert.Equal(0.5f, y[1]); // an all-zero row is just the bias
    }
}
