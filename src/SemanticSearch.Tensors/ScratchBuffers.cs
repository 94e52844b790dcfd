using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SemanticSearch.Tensors;

/// <summary>
/// Per-thread, grow-only, 64-byte-aligned float scratch (GEMM pack buffers, attention temporaries),
/// so hot loops never allocate. Arrays live on the pinned object heap, so the returned pointers
/// stay valid until the same slot is requested again with a larger size on the same thread.
/// </summary>
internal static unsafe class ScratchBuffers
{
    public const int GemmPackA = 0, GemmPackB = 1, GemmSharedB = 2, AttentionKeys = 3, AttentionValues = 4, AttentionScores = 5;
    private const int SlotCount = 6;
    private const int AlignFloats = 16; // 64 bytes

    [ThreadStatic] private static float[]?[]? t_slots;

    public static float* Get(int slot, int floats)
    {
        var slots = t_slots ??= new float[SlotCount][];
        var array = slots[slot];
        if (array is null || array.Length < floats + AlignFloats)
        {
            array = GC.AllocateUninitializedArray<float>(floats + AlignFloats, pinned: true);
            slots[slot] = array;
        }
        float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (float*)(((nint)p + 63) & ~(nint)63);
    }
}
