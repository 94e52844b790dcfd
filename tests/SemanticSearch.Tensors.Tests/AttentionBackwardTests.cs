namespace SemanticSearch.Tensors.Tests;

/// <summary>Attention and dropout backward: finite differences of a float64 attention with the same mask, determinism.</summary>
public class AttentionBackwardTests
{
    private const int Heads = 2, Hidden = 10; // head size 5: not a whole vector
    private static readonly int[] Offsets = { 0, 3, 10, 11 }; // lengths 3, 7, 1

    // Σ upstream·O of attention in double, O = dropout(softmax(QKᵀ/√d))·V per (sequence, head).
    private static double Loss(double[] qkv, float[] up, DropoutMask mask)
    {
        int d = Hidden / Heads, stride = 3 * Hidden;
        double l = 0;
        long maskBase = 0;
        for (int s = 0; s + 1 < Offsets.Length; s++)
        {
            int start = Offsets[s], len = Offsets[s + 1] - start;
            for (int h = 0; h < Heads; h++, maskBase += (long)len * len)
                for (int i = 0; i < len; i++)
                {
                    var p = new double[len];
                    double max = double.MinValue, sum = 0;
                    for (int j = 0; j < len; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += qkv[(start + i) * stride + h * d + c] * qkv[(start + j) * stride + Hidden + h * d + c];
                        p[j] = dot / Math.Sqrt(d);
                        max = Math.Max(max, p[j]);
                    }
                    for (int j = 0; j < len; j++) sum += p[j] = Math.Exp(p[j] - max);
                    for (int c = 0; c < d; c++)
                    {
                        double o = 0;
                        for (int j = 0; j < len; j++) o += p[j] / sum * mask.Factor(maskBase + (long)i * len + j) * qkv[(start + j) * stride + 2 * Hidden + h * d + c];
                        l += up[(start + i) * Hidden + h * d + c] * o;
                    }
                }
        }
        return l;
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.3f)]
    public void Backward_matches_finite_differences(float dropout)
    {
        int tokens = Offsets[^1];
        var qkv = Reference.Random(tokens * 3 * Hidden, 21, 1.5f);
        var up = Reference.Random(tokens * Hidden, 22);
        var mask = new DropoutMask(DropoutMask.DeriveKey(7, 3, 1), dropout);
        var output = new float[tokens * Hidden];
        var probs = new float[Attention.ProbsLength(Offsets, Heads)];
        Attention.Forward(output, probs, qkv, Offsets, Heads, Hidden, mask);

        // The float32 forward agrees with the double reference (so the mask indices line up).
        double forward = 0;
        for (int i = 0; i < output.Length; i++) forward += up[i] * output[i];
        Assert.Equal(Loss(Array.ConvertAll(qkv, v => (double)v), up, mask), forward, 4);

        var dqkv = new float[qkv.Length];
        Array.Fill(dqkv, 0.5f);
        Attention.Backward(dqkv, up, qkv, probs, Offsets, Heads, Hidden, mask);

        var x = Array.ConvertAll(qkv, v => (double)v);
        double worst = 0, scale = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + 1e-5; double a = Loss(x, up, mask);
            x[i] = keep - 1e-5; double b = Loss(x, up, mask);
            x[i] = keep;
            double expected = (a - b) / 2e-5;
            scale = Math.Max(scale, Math.Abs(expected));
            worst = Math.Max(worst, Math.Abs(dqkv[i] - 0.5f - expected));
        }
        Assert.True(scale > 1e-2, "the upstream gradient should reach q, k and v");
        Assert.True(worst <= 1e-4 * scale, $"max error {worst:E3} vs gradient scale {scale:G4}");
    }

    [Fact]
    public void Dropout_changes_the_output_and_is_the_same_for_a_key_and_any_thread_count()
    {
        int tokens = Offsets[^1];
        var qkv = Reference.Random(tokens * 3 * Hidden, 23);
        var probs = new float[Attention.ProbsLength(Offsets, Heads)];
        float[] Run(ulong key, int threads)
        {
            int saved = ComputeThreads.Count;
            ComputeThreads.Count = threads;
            try
            {
                var o = new float[tokens * Hidden];
                Attention.Forward(o, probs, qkv, Offsets, Heads, Hidden, new DropoutMask(key, 0.5f));
                return o;
            }
            finally { ComputeThreads.Count = saved; }
        }
        var plain = new float[tokens * Hidden];
        Attention.Forward(plain, probs, qkv, Offsets, Heads, Hidden);
        var a = Run(11, 1);
        Assert.Equal(a, Run(11, 2));
        Assert.NotEqual(a, Run(12, 1));
        Assert.NotEqual(plain, a);
    }

    [Fact]
    public void Dropout_mask_keeps_about_one_minus_p_scaled_and_backward_uses_the_same_mask()
    {
        const int n = 100_003;
        var mask = new DropoutMask(DropoutMask.DeriveKey(1, 2, 3), 0.1f);
        var x = new float[n];
        Array.Fill(x, 1f);
        var y = new float[n];
        Dropout.Forward(y, x, mask);
        int kept = y.Count(v => v != 0f);
        Assert.InRange(kept / (double)n, 0.895, 0.905);
        Assert.All(y, v => Assert.True(v == 0f || v == 1f / 0.9f));

        var dx = new float[n];
        Dropout.Backward(dx, x, mask);
        Assert.Equal(y, dx); // linear op with an all-ones upstream: the gradient is the mask itself

        // Different keys (steps) give different masks; None is the identity.
        var z = new float[n];
        Dropout.Forward(z, x, new DropoutMask(DropoutMask.DeriveKey(1, 3, 3), 0.1f));
        Assert.NotEqual(y, z);
        Dropout.Forward(z, x, DropoutMask.None);
        Assert.All(z, v => Assert.Equal(1f, v));
    }
}

public class DropoutMaskIdentityTests
{
    [Fact]
    public void None_and_default_are_the_identity_in_forward_and_backward()
    {
        Assert.Equal(1f, DropoutMask.None.Factor(5));
        Assert.Equal(1f, default(DropoutMask).Scale);
        var dx = new float[3];
        Dropout.Backward(dx, new float[] { 1, 2, 3 }, DropoutMask.None);
        Assert.Equal(new float[] { 1, 2, 3 }, dx);
    }
}
