using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>Tanh-approximated GELU, HF "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
public static class GeluTanh
{
    public static void Forward(Span<float> output, ReadOnlySpan<float> input)
        => ElementwiseMap.Run<Function>(output, input, nameof(GeluTanh));

    /// <summary>
    /// dInput += dOutput·f'(input), f'(x) = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715·x²), t = tanh(u); input is the pre-activation [N].
    /// </summary>
    public static void Backward(Span<float> dInput, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input)
        => ElementwiseGradient.Run<Derivative>(dInput, dOutput, input, nameof(GeluTanh));

    internal struct Derivative : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x)
        {
            var x2 = x * x;
            var inner = Vector256.Create(0.797884560802865355f) * (x + Vector256.Create(0.044715f) * x2 * x);
            var t = VectorMath.Tanh(inner);
            var dInner = Vector256.Create(0.797884560802865355f) * (Vector256<float>.One + Vector256.Create(3f * 0.044715f) * x2);
            var half = Vector256.Create(0.5f);
            return half * (Vector256<float>.One + t) + half * x * (Vector256<float>.One - t * t) * dInner;
        }
    }

    internal struct Function : IVectorFunction
    {
        public static Vector256<float> Apply(Vector256<float> x)
        {
            var inner = Vector256.Create(0.797884560802865355f) * (x + Vector256.Create(0.044715f) * x * x * x);
            return Vector256.Create(0.5f) * x * (Vector256<float>.One + VectorMath.Tanh(inner));
        }
    }
}
