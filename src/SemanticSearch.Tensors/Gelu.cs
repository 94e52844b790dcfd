using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>Exact GELU: 0.5·x·(1 + erf(x/√2)) (PyTorch default, HF "gelu").</summary>
public static class Gelu
{
    public static void Forward(Span<float> output, ReadOnlySpan<float> input)
        => ElementwiseMap.Run<Function>(output, input, nameof(Gelu));

    internal struct Function : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x)
            => Vector256.Create(0.5f) * x * (Vector256<float>.One + VectorMath.Erf(x * Vector256.Create(0.707106781186547524f)));
    }
}
