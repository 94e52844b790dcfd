using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>A lane-wise float function, implemented as a struct so the JIT inlines it into the loop.</summary>
internal interface IVectorFunction
{
    static abstract Vector256<float> Apply(Vector256<float> x);
}

/// <summary>
/// output[i] = f(input[i]). The tail is run through the same vector code on a zero-padded copy,
/// so every element takes the identical instruction sequence wherever it sits in the span.
/// output may be the same span as input (in place).
/// </summary>
internal static class ElementwiseMap
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TFunction>(Span<float> output, ReadOnlySpan<float> input, string kernel)
        where TFunction : struct, IVectorFunction
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"{kernel}: output has {output.Length} elements but input has {input.Length}.", nameof(output));
        int n = input.Length, i = 0;
        int width = Vector256<float>.Count;
        for (; i + width <= n; i += width)
            TFunction.Apply(Vector256.Create(input.Slice(i, width))).CopyTo(output.Slice(i, width));
        if (i < n)
        {
            Span<float> pad = stackalloc float[width];
            pad.Clear();
            input[i..].CopyTo(pad);
            var y = TFunction.Apply(Vector256.Create((ReadOnlySpan<float>)pad));
            y.CopyTo(pad);
            pad[..(n - i)].CopyTo(output[i..]);
        }
    }
}
