namespace SemanticSearch.Tensors.Tests;

/// <summary>The per-CPU float kernel choice: measured only between native widths, ties to 256-bit, and result-neutral.</summary>
public class GemmKernelChoiceTests
{
    private static readonly GemmMicroKernel V512 = GemmMicroKernel.Vector512Kernel, V256 = GemmMicroKernel.Vector256Kernel, Scalar = GemmMicroKernel.ScalarKernel;

    [Fact]
    public void A_single_native_width_is_taken_without_measuring()
    {
        var (kernel, reason) = GemmKernelChoice.Choose([V256, Scalar], _ => throw new InvalidOperationException("must not measure"));
        Assert.Same(V256, kernel);
        Assert.Contains("only native", reason);
        Assert.Same(Scalar, GemmKernelChoice.Choose([Scalar], _ => throw new InvalidOperationException()).Kernel);
    }

    [Theory]
    [InlineData(1.0, 2.0, "vector512")]   // Intel-like: 512-bit twice as fast per flop
    [InlineData(1.0, 1.02, "vector256")]  // Zen 4-like double pumping: within 3%, the narrower kernel
    [InlineData(1.1, 1.0, "vector256")]   // 512-bit slower
    public void Wider_is_taken_only_when_measurably_faster(double secondsPerFlop512, double secondsPerFlop256, string expected)
    {
        var (kernel, reason) = GemmKernelChoice.Choose([V512, V256, Scalar], k => k == V512 ? secondsPerFlop512 : secondsPerFlop256);
        Assert.StartsWith(expected, kernel.Name);
        Assert.Contains("measured", reason);
    }

    [Fact]
    public void The_default_backend_uses_the_choice_and_it_is_native_here()
    {
        Assert.Contains(GemmKernelChoice.Kernel, GemmKernelChoice.NativeCandidates());
        Assert.Equal($"managed ({GemmKernelChoice.Kernel.Name})", new ManagedGemm().Name);
        Assert.Contains(GemmKernelChoice.Kernel.Name, GemmKernelChoice.Description);
    }

    [Fact]
    public void Every_choice_gives_the_same_bits()
    {
        // Awkward shape: partial tiles in both directions, two K blocks.
        const int m = 37, n = 45, k = 300;
        var a = Reference.Random(m * k, 1);
        var b = Reference.Random(n * k, 2);
        float[]? first = null;
        foreach (var kernel in new[] { V512, V256, Scalar })
        {
            var c = new float[m * n];
            new ManagedGemm(kernel).Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
            if (first is null) first = c;
            else Reference.AssertBitsEqual(first, c, kernel.Name);
        }
    }
}
