using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>Tanh-approximated GELU, HF "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
public static class GeluTanh
{
    public static void Forward(Span<float> output, ReadOnlySpan<float> input)
        => ElementwiseMap.Run<Function>(output, input, nameof(GeluTanh));

    internal struct Function : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x)
        {
            var inner = Vector256.Create(0.797884560802865355f) * (x + Vector256.Create(0.044715f) * x * x * x);
            return Vector256.Create(0.5f) * x * (Vector256<float>.One + VectorMath.Tanh(inner));
        }
    }
}
