using System.Numerics.Tensors;

namespace SemanticSearch.Tensors;

/// <summary>Residual connection: output = a + b element-wise (any of the spans may alias).</summary>
public static class Residual
{
    public static void Forward(Span<float> output, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        PackedSequences.RequireLength(a.Length, output.Length, nameof(Residual), nameof(a));
        PackedSequences.RequireLength(b.Length, output.Length, nameof(Residual), nameof(b));
        TensorPrimitives.Add(a, b, output); // one correctly rounded add per element
    }
}
