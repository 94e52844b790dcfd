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
    // Below this many elements per thread a parallel region costs more than it saves. GELU over a batch's
    // FFN activations (~500 tokens × 1536) is ~2 ms serial: the other core would otherwise sit idle.
    private const int MinElementsPerThread = 1 << 15;

    public static unsafe void Run<TFunction>(Span<float> output, ReadOnlySpan<float> input, string kernel)
        where TFunction : struct, IVectorFunction
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"{kernel}: output has {output.Length} elements but input has {input.Length}.", nameof(output));
        int n = input.Length;
        int threads = Math.Min(ComputeThreads.Count, n / MinElementsPerThread);
        if (threads <= 1)
        {
            RunRange<TFunction>(output, input);
            return;
        }
        // Chunk boundaries on whole vectors: only the very last element group can take the padded tail path,
        // exactly as in the serial loop, so results do not depend on the thread count.
        int width = Vector256<float>.Count;
        int chunks = threads * 2;
        int perChunk = ((n + chunks - 1) / chunks + width - 1) / width * width;
        chunks = (n + perChunk - 1) / perChunk;
        fixed (float* po = output, pi = input)
        {
            nint o = (nint)po, i = (nint)pi;
            ComputeThreads.For(chunks, c =>
            {
                int start = c * perChunk, length = Math.Min(perChunk, n - start);
                RunRange<TFunction>(new Span<float>((float*)o + start, length), new ReadOnlySpan<float>((float*)i + start, length));
            });
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRange<TFunction>(Span<float> output, ReadOnlySpan<float> input)
        where TFunction : struct, IVectorFunction
    {
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
