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

    private GemmMicroKernel(string name, int mr, int nr, delegate*<float*, float*, float*, nint, int, void> run)
    {
        Name = name; MR = mr; NR = nr; Run = run;
    }

    public static readonly GemmMicroKernel Vector512Kernel =
        new("vector512-fma-6x32", Vector512MicroKernel.MR, Vector512MicroKernel.NR, &Vector512MicroKernel.Run);
    public static readonly GemmMicroKernel Vector256Kernel =
        new("vector256-fma-6x16", Vector256MicroKernel.MR, Vector256MicroKernel.NR, &Vector256MicroKernel.Run);
    public static readonly GemmMicroKernel ScalarKernel =
        new("scalar-fma-4x4", ScalarMicroKernel.MR, ScalarMicroKernel.NR, &ScalarMicroKernel.Run);

    /// <summary>Widest kernel the hardware runs natively: Vector512, then Vector256 + FMA, then scalar.</summary>
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
