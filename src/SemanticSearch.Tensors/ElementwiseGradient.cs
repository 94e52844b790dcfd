using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>
/// Backward of y = f(x) element-wise: dInput[i] += dOutput[i]·f'(input[i]), with f' given as a vector
/// function (inlined by the JIT). The tail runs through the same vector code on zero-padded copies.
/// </summary>
internal static class ElementwiseGradient
{
    public static void Run<TDerivative>(Span<float> dInput, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input, string kernel)
        where TDerivative : struct, IVectorFunction
    {
        PackedSequences.RequireLength(dOutput.Length, input.Length, kernel, nameof(dOutput));
        PackedSequences.RequireLength(dInput.Length, input.Length, kernel, nameof(dInput));
        int n = input.Length, i = 0, width = Vector256<float>.Count;
        for (; i + width <= n; i += width)
        {
            var d = TDerivative.Apply(Vector256.Create(input.Slice(i, width)));
            var g = Vector256.FusedMultiplyAdd(Vector256.Create(dOutput.Slice(i, width)), d, Vector256.Create((ReadOnlySpan<float>)dInput.Slice(i, width)));
            g.CopyTo(dInput.Slice(i, width));
        }
        if (i < n)
        {
            Span<float> x = stackalloc float[width], dy = stackalloc float[width], dx = stackalloc float[width];
            x.Clear(); dy.Clear(); dx.Clear();
            input[i..].CopyTo(x);
            dOutput[i..].CopyTo(dy);
            dInput[i..].CopyTo(dx);
            var d = TDerivative.Apply(Vector256.Create((ReadOnlySpan<float>)x));
            Vector256.FusedMultiplyAdd(Vector256.Create((ReadOnlySpan<float>)dy), d, Vector256.Create((ReadOnlySpan<float>)dx)).CopyTo(dx);
            dx[..(n - i)].CopyTo(dInput[i..]);
        }
    }
}
