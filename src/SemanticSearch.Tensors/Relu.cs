using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>max(x, 0).</summary>
public static class Relu
{
    public static void Forward(Span<float> output, ReadOnlySpan<float> input)
        => ElementwiseMap.Run<Function>(output, input, nameof(Relu));

    /// <summary>dInput += dOutput where input &gt; 0 (torch's convention: the gradient at exactly 0 is 0); input is the pre-activation [N].</summary>
    public static void Backward(Span<float> dInput, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input)
        => ElementwiseGradient.Run<Derivative>(dInput, dOutput, input, nameof(Relu));

    internal struct Derivative : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x)
            => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero);
    }

    internal struct Function : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    }
}
