using System.Runtime.InteropServices;

namespace SemanticSearch.Index.Storage;

/// <summary>Vectors are stored as little-endian float32 BLOBs (the native layout on every target we run on).</summary>
internal static class VectorBlob
{
    public static byte[] ToBytes(float[] vector)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("vector BLOBs assume a little-endian machine");
        return MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
    }

    public static void CopyTo(byte[] blob, Span<float> destination, int expectedDimension)
    {
        if (blob.Length != expectedDimension * sizeof(float))
            throw new InvalidDataException($"stored vector has {blob.Length} bytes, expected {expectedDimension * sizeof(float)} for dimension {expectedDimension}");
        MemoryMarshal.Cast<byte, float>(blob).CopyTo(destination);
    }
}
