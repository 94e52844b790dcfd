namespace SemanticSearch.Tensors.Tests;

/// <summary>
/// A Linear weight packed once must give exactly the bits of the per-call path (which packs the same
/// weight the same way) for awkward shapes, several K blocks, with and without bias, on 1 and 2 threads,
/// and both must agree with a float64 reference.
/// </summary>
public class PackedLinearWeightTests
{
    [Theory]
    [InlineData(65, 13, 7)]
    [InlineData(100, 257, 33)]
    [InlineData(257, 384, 1536)]
    [InlineData(130, 600, 384)] // in > 2·KC: three K blocks
    public void Packed_weight_gives_the_bits_of_the_unpacked_path(int rows, int inFeatures, int outFeatures)
    {
        var input = Reference.Random(rows * inFeatures, 11);
        var weight = Reference.Random(outFeatures * inFeatures, 12);
        var bias = Reference.Random(outFeatures, 13);
        var packed = PackedLinearWeight.TryPack(weight, outFeatures, inFeatures);
        Assert.NotNull(packed); // the managed backend is the default
        Assert.True(packed!.Bytes >= (long)outFeatures * inFeatures * sizeof(float));

        foreach (int threads in new[] { 1, 2 })
            foreach (bool withBias in new[] { false, true })
            {
                var plain = new float[rows * outFeatures];
                var fast = new float[rows * outFeatures];
                float[] b = withBias ? bias : [];
                Reference.WithThreads(threads, () =>
                {
                    Linear.Forward(plain, input, weight, b, rows, inFeatures, outFeatures);
                    Linear.Forward(fast, input, weight, packed, b, rows, inFeatures, outFeatures);
                });
                Reference.AssertBitsEqual(plain, fast, $"{threads} thread(s), bias {withBias}");

                var expected = Reference.Gemm(false, true, rows, outFeatures, inFeatures, 1f, input, inFeatures, weight, inFeatures, 0f, new float[rows * outFeatures], outFeatures);
                if (withBias)
                    for (int r = 0; r < rows; r++)
                        for (int j = 0; j < outFeatures; j++) expected[r * outFeatures + j] += bias[j];
                Reference.AssertClose(expected, fast, 1e-4, 1e-4, $"packed vs float64, {threads} thread(s)");
            }
    }

    [Fact]
    public void Packed_weight_of_another_shape_is_refused()
    {
        var weight = Reference.Random(8 * 16, 1);
        var packed = PackedLinearWeight.TryPack(weight, 8, 16)!;
        var output = new float[100 * 16];
        var input = Reference.Random(100 * 8, 2);
        var e = Assert.Throws<ArgumentException>(() =>
            Linear.Forward(output, input, Reference.Random(16 * 8, 3), packed, [], 100, 8, 16));
        Assert.Contains("packed weight is [8, 16]", e.Message);
    }
}
