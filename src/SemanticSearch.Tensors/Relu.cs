using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>max(x, 0).</summary>
public static class Relu
{
    public static void Forward(Span<float> output, ReadOnlySpan<float> input)
        => ElementwiseMap.Run<Function>(output, input, nameof(Relu));

    internal struct Function : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    }
}
