using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>
/// One register-blocked GEMM micro-kernel: C[MR,NR] (row stride ldc) += Apanel[kc,MR] · Bpanel[kc,NR].
/// Contract shared by every variant (this is what makes results batch- and hardware-width invariant):
/// each C element is loaded once, updated by exactly one fused multiply-add per k in ascending k
/// order, and stored. Vector width only changes how many elements are updated side by side.
/// </summary>
internal sealed unsafe class GemmMicroKernel
{
    public string Name { get; }
    public int MR { get; }
    public int NR { get; }
    /// <summary>(packedA, packedB, c, ldc, kc).</summary>
    public delegate*<float*, float*, float*, nint, int, void> Run { get; }
    /// <summary>
    /// Same update with A read in place instead of packed: (a, lda, packedB, c, ldc, kc) where row r of
    /// the A tile is a + r·lda, contiguous along k. Used to stream Linear weights without packing them.
    /// </summary>
    public delegate*<float*, nint, float*, float*, nint, int, void> RunRowsInPlace { get; }

    private GemmMicroKernel(string name, int mr, int nr, delegate*<float*, float*, float*, nint, int, void> run,
        delegate*<float*, nint, float*, float*, nint, int, void> runRowsInPlace)
    {
        Name = name; MR = mr; NR = nr; Run = run; RunRowsInPlace = runRowsInPlace;
    }

    public static readonly GemmMicroKernel Vector512Kernel =
        new("vector512-fma-6x32", Vector512MicroKernel.MR, Vector512MicroKernel.NR, &Vector512MicroKernel.Run, &Vector512MicroKernel.RunRowsInPlace);
    public static readonly GemmMicroKernel Vector256Kernel =
        new("vector256-fma-6x16", Vector256MicroKernel.MR, Vector256MicroKernel.NR, &Vector256MicroKernel.Run, &Vector256MicroKernel.RunRowsInPlace);
    public static readonly GemmMicroKernel ScalarKernel =
        new("scalar-fma-4x4", ScalarMicroKernel.MR, ScalarMicroKernel.NR, &ScalarMicroKernel.Run, &ScalarMicroKernel.RunRowsInPlace);

    /// <summary>
    /// Widest kernel the hardware runs natively: Vector512, then Vector256 + FMA, then scalar. The managed GEMM
    /// does not simply take it: <see cref="GemmKernelChoice"/> times the native widths on this CPU.
    /// </summary>
    public static GemmMicroKernel Best
    {
        get
        {
            if (Vector512.IsHardwareAccelerated) return Vector512Kernel;
            if (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported) return Vector256Kernel;
            return ScalarKernel;
        }
    }
}
