namespace SemanticSearch.Tensors.Tests;

/// <summary>
/// Every Backward against central finite differences of a float64 re-implementation of its Forward.
/// The scalar checked is L = Σ upstream·y for a random upstream, so dL/dx is exactly what Backward returns.
/// Sizes are awkward on purpose (not multiples of 8, length-1 sequences). Gradient buffers start non-zero to
/// check that Backward accumulates (+=) instead of overwriting.
/// </summary>
public class BackwardFiniteDifferenceTests
{
    // dL/dx by central differences (step 1e-5 in double: truncation and rounding both far below 1e-7).
    private static double[] Numeric(double[] x, Func<double[], double> loss, double step = 1e-5)
    {
        var g = new double[x.Length];
        var probe = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            probe[i] = x[i] + step;
            double up = loss(probe);
            probe[i] = x[i] - step;
            double down = loss(probe);
            probe[i] = x[i];
            g[i] = (up - down) / (2 * step);
        }
        return g;
    }

    private static double Dot(double[] a, float[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
    private static double[] D(float[] x) => Array.ConvertAll(x, v => (double)v);
    private static float[] Seeded(int length, float seedValue) { var a = new float[length]; Array.Fill(a, seedValue); return a; }

    /// <summary>max |actual − prior − expected| ≤ tol·max(‖expected‖∞, 1e-3): Backward added the gradient onto prior.</summary>
    private static void AssertAccumulated(double[] expected, float[] actual, float prior, double tol, string what)
    {
        double scale = Math.Max(expected.Max(Math.Abs), 1e-3), worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(actual[i] - prior - expected[i]);
            if (e > worst) { worst = e; at = i; }
        }
        Assert.True(worst <= tol * scale, $"{what}: |error| {worst:E3} at {at} (expected {expected[at]:G6}, got {actual[at] - prior:G6}) > {tol}·{scale:G4}");
    }

    [Fact]
    public void LayerNorm_matches_finite_differences()
    {
        const int rows = 5, cols = 13;
        var x = Reference.Random(rows * cols, 1, 2f);
        var gamma = Reference.Random(cols, 2); var beta = Reference.Random(cols, 3);
        var up = Reference.Random(rows * cols, 4);
        var y = new float[rows * cols]; var mean = new float[rows]; var rstd = new float[rows];
        LayerNorm.Forward(y, mean, rstd, x, gamma, beta, rows, cols, 1e-5f);
        var dx = Seeded(rows * cols, 0.5f); var dg = Seeded(cols, 0.5f); var db = Seeded(cols, 0.5f);
        LayerNorm.Backward(dx, dg, db, up, x, gamma, mean, rstd, rows, cols);

        double Loss(double[] xs, double[] g, double[] b)
        {
            double l = 0;
            for (int r = 0; r < rows; r++)
            {
                double m = 0, v = 0;
                for (int c = 0; c < cols; c++) m += xs[r * cols + c];
                m /= cols;
                for (int c = 0; c < cols; c++) v += (xs[r * cols + c] - m) * (xs[r * cols + c] - m);
                double s = 1 / Math.Sqrt(v / cols + 1e-5);
                for (int c = 0; c < cols; c++) l += up[r * cols + c] * ((xs[r * cols + c] - m) * s * g[c] + b[c]);
            }
            return l;
        }
        AssertAccumulated(Numeric(D(x), xs => Loss(xs, D(gamma), D(beta))), dx, 0.5f, 1e-4, "dInput");
        AssertAccumulated(Numeric(D(gamma), g => Loss(D(x), g, D(beta))), dg, 0.5f, 1e-4, "dGamma");
        AssertAccumulated(Numeric(D(beta), b => Loss(D(x), D(gamma), b)), db, 0.5f, 1e-4, "dBeta");
    }

    [Fact]
    public void Linear_matches_finite_differences_and_skips_empty_gradients()
    {
        const int rows = 7, inF = 13, outF = 9;
        var x = Reference.Random(rows * inF, 5); var w = Reference.Random(outF * inF, 6); var b = Reference.Random(outF, 7);
        var up = Reference.Random(rows * outF, 8);
        var dx = Seeded(rows * inF, 0.25f); var dw = Seeded(outF * inF, 0.25f); var dbias = Seeded(outF, 0.25f);
        Linear.Backward(dx, dw, dbias, up, x, w, rows, inF, outF);

        double Loss(double[] xs, double[] ws, double[] bs)
        {
            double l = 0;
            for (int r = 0; r < rows; r++)
                for (int o = 0; o < outF; o++)
                {
                    double acc = bs[o];
                    for (int i = 0; i < inF; i++) acc += xs[r * inF + i] * ws[o * inF + i];
                    l += up[r * outF + o] * acc;
                }
            return l;
        }
        AssertAccumulated(Numeric(D(x), xs => Loss(xs, D(w), D(b))), dx, 0.25f, 1e-5, "dInput");
        AssertAccumulated(Numeric(D(w), ws => Loss(D(x), ws, D(b))), dw, 0.25f, 1e-5, "dWeight");
        AssertAccumulated(Numeric(D(b), bs => Loss(D(x), D(w), bs)), dbias, 0.25f, 1e-5, "dBias");

        // Frozen weight: only dInput is produced.
        var dx2 = new float[rows * inF];
        Linear.Backward(dx2, Span<float>.Empty, Span<float>.Empty, up, x, w, rows, inF, outF);
        for (int i = 0; i < dx2.Length; i++) Assert.Equal(dx[i] - 0.25f, dx2[i], 1e-5f);
    }

    public static TheoryData<string> Activations => new() { "gelu", "gelu_tanh", "relu" };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation_matches_finite_differences(string name)
    {
        const int n = 37; // 4 vectors + a tail of 5
        var x = Reference.Random(n, 9, 4f);
        if (name == "relu") for (int i = 0; i < n; i++) if (Math.Abs(x[i]) < 1e-3f) x[i] = 0.5f; // keep away from the kink
        var up = Reference.Random(n, 10);
        var dx = Seeded(n, -1f);
        Func<double, double> f = name switch
        {
            "gelu" => v => 0.5 * v * (1 + Reference.Erf(v / Math.Sqrt(2))),
            "gelu_tanh" => v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
            _ => v => Math.Max(v, 0),
        };
        switch (name)
        {
            case "gelu": Gelu.Backward(dx, up, x); break;
            case "gelu_tanh": GeluTanh.Backward(dx, up, x); break;
            default: Relu.Backward(dx, up, x); break;
        }
        AssertAccumulated(Numeric(D(x), xs => { double l = 0; for (int i = 0; i < n; i++) l += up[i] * f(xs[i]); return l; }), dx, -1f, 2e-6, name);
    }

    [Fact]
    public void Softmax_matches_finite_differences()
    {
        const int rows = 3, cols = 11;
        var x = Reference.Random(rows * cols, 11, 3f); var up = Reference.Random(rows * cols, 12);
        var y = new float[rows * cols];
        Softmax.Forward(y, x, rows, cols);
        var dx = Seeded(rows * cols, 0.125f);
        Softmax.Backward(dx, up, y, rows, cols);
        AssertAccumulated(Numeric(D(x), xs =>
        {
            double l = 0;
            for (int r = 0; r < rows; r++)
            {
                double max = double.MinValue, sum = 0;
                for (int c = 0; c < cols; c++) max = Math.Max(max, xs[r * cols + c]);
                for (int c = 0; c < cols; c++) sum += Math.Exp(xs[r * cols + c] - max);
                for (int c = 0; c < cols; c++) l += up[r * cols + c] * Math.Exp(xs[r * cols + c] - max) / sum;
            }
            return l;
        }), dx, 0.125f, 1e-5, "dInput");
    }

    [Fact]
    public void L2Normalize_matches_finite_differences()
    {
        const int rows = 4, cols = 19;
        var x = Reference.Random(rows * cols, 13, 2f); var up = Reference.Random(rows * cols, 14);
        var dx = Seeded(rows * cols, 0.5f);
        L2Normalize.Backward(dx, up, x, rows, cols);
        AssertAccumulated(Numeric(D(x), xs =>
        {
            double l = 0;
            for (int r = 0; r < rows; r++)
            {
                double n2 = 0;
                for (int c = 0; c < cols; c++) n2 += xs[r * cols + c] * xs[r * cols + c];
                for (int c = 0; c < cols; c++) l += up[r * cols + c] * xs[r * cols + c] / Math.Sqrt(n2);
            }
            return l;
        }), dx, 0.5f, 1e-5, "dInput");
    }

    [Theory]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Max)]
    [InlineData(PoolingMode.MeanSqrtLen)]
    public void Pooling_matches_finite_differences(PoolingMode mode)
    {
        const int hidden = 11;
        int[] offsets = { 0, 3, 4, 10 }; // lengths 3, 1, 6
        int tokens = offsets[^1], sequences = offsets.Length - 1;
        var x = Reference.Random(tokens * hidden, 15); var up = Reference.Random(sequences * hidden, 16);
        var dx = Seeded(tokens * hidden, 0.5f);
        Pooling.Backward(mode, dx, up, x, offsets, hidden);
        AssertAccumulated(Numeric(D(x), xs =>
        {
            double l = 0;
            for (int s = 0; s < sequences; s++)
            {
                int start = offsets[s], len = offsets[s + 1] - start;
                for (int c = 0; c < hidden; c++)
                {
                    double v = mode == PoolingMode.Max ? double.MinValue : 0;
                    for (int t = 0; t < (mode == PoolingMode.Cls ? 1 : len); t++)
                    {
                        double e = xs[(start + t) * hidden + c];
                        v = mode == PoolingMode.Max ? Math.Max(v, e) : v + e;
                    }
                    if (mode == PoolingMode.Mean) v /= len;
                    if (mode == PoolingMode.MeanSqrtLen) v /= Math.Sqrt(len);
                    l += up[s * hidden + c] * v;
                }
            }
            return l;
        }), dx, 0.5f, 1e-5, mode.ToString());
    }

    [Fact]
    public void Embeddings_scatter_add_into_every_table()
    {
        const int hidden = 5, vocab = 7, positions = 6, types = 2;
        int[] ids = { 3, 1, 3, 3, 6 }, pos = { 0, 1, 2, 0, 1 }, tt = { 0, 1, 0, 0, 1 };
        var up = Reference.Random(ids.Length * hidden, 17);
        var dWord = Seeded(vocab * hidden, 1f); var dPos = Seeded(positions * hidden, 1f); var dType = Seeded(types * hidden, 1f);
        Embeddings.Backward(dWord, dPos, dType, up, ids, pos, tt, hidden);
        // The forward is linear in each table, so its gradient is the sum of upstream rows gathered from that row.
        void Check(float[] table, int[] index, int rows)
        {
            var expected = new double[rows * hidden];
            for (int t = 0; t < index.Length; t++)
                for (int c = 0; c < hidden; c++) expected[index[t] * hidden + c] += up[t * hidden + c];
            AssertAccumulated(expected, table, 1f, 1e-6, "table");
        }
        Check(dWord, ids, vocab); Check(dPos, pos, positions); Check(dType, tt, types);
        Embeddings.Backward(Span<float>.Empty, Span<float>.Empty, Span<float>.Empty, up, ids, pos, tt, hidden); // frozen: no-op
    }
}
