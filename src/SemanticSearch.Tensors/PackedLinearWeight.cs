using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SemanticSearch.Tensors;

/// <summary>
/// A Linear weight W [out, in] packed once, for inference, into the managed GEMM's B layout for op(B) = Wᵀ:
/// K blocks of <see cref="GemmJob.KC"/> rows, each holding ceil(out/NR) panels of [kc, NR] (the layout
/// <see cref="GemmJob.RunRowBlocksWithSharedB"/> builds on every call). Linear.Forward with it skips packing
/// the weight per call, which was ~4% of encode CPU at MiniLM shapes. The same floats are multiplied in
/// the same order, so outputs are bit-identical to the unpacked path.
/// It is a snapshot of W: whoever changes W afterwards must stop using it (BertWeights drops its packs
/// once a training graph takes the weights).
/// </summary>
public sealed unsafe class PackedLinearWeight
{
    // Pinned (pinned object heap): the GEMM keeps raw pointers into it across worker threads.
    private readonly float[] _packed;

    private PackedLinearWeight(GemmMicroKernel kernel, int outFeatures, int inFeatures)
    {
        Kernel = kernel;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        int panels = (outFeatures + kernel.NR - 1) / kernel.NR;
        BlockStride = (long)GemmJob.KC * panels * kernel.NR;
        int kBlocks = (inFeatures + GemmJob.KC - 1) / GemmJob.KC;
        _packed = GC.AllocateUninitializedArray<float>(checked((int)(kBlocks * BlockStride)), pinned: true);
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }
    internal GemmMicroKernel Kernel { get; }
    /// <summary>Floats from one packed K block to the next.</summary>
    internal long BlockStride { get; }
    internal float* Data => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_packed));
    public long Bytes => (long)_packed.Length * sizeof(float);

    /// <summary>
    /// Packs <paramref name="weight"/> [outFeatures, inFeatures] for the current GEMM backend, or returns null
    /// when the backend is not the managed one (OpenBLAS packs internally; Linear then passes W as it is).
    /// </summary>
    public static PackedLinearWeight? TryPack(ReadOnlySpan<float> weight, int outFeatures, int inFeatures)
    {
        if (outFeatures <= 0 || inFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(outFeatures), $"{nameof(PackedLinearWeight)}: bad shape out={outFeatures}, in={inFeatures}.");
        PackedSequences.RequireLength(weight.Length, (long)outFeatures * inFeatures, nameof(PackedLinearWeight), nameof(weight));
        if (Gemm.Backend is not ManagedGemm managed) return null;
        var packed = new PackedLinearWeight(managed.Kernel, outFeatures, inFeatures);
        fixed (float* w = weight)
            for (int p0 = 0, q = 0; p0 < inFeatures; p0 += GemmJob.KC, q++)
                GemmPacking.PackB(packed.Data + q * packed.BlockStride, w, inFeatures, transB: true,
                    p0, Math.Min(GemmJob.KC, inFeatures - p0), 0, outFeatures, managed.Kernel.NR);
        return packed;
    }
}
