using System.Runtime.InteropServices;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// A document's window vectors as one doc-values blob: windows × dimension little-endian float32,
/// window after window (the native layout on every target we run on).
/// </summary>
internal static class VectorBlob
{
    public static byte[] ToBytes(IReadOnlyList<float[]> windows, int dimension)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("vector blobs assume a little-endian machine");
        var bytes = new byte[windows.Count * dimension * sizeof(float)];
        var floats = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        for (int w = 0; w < windows.Count; w++)
        {
            if (windows[w].Length != dimension) throw new InvalidOperationException($"window vector has dimension {windows[w].Length}, expected {dimension}");
            windows[w].CopyTo(floats.Slice(w * dimension, dimension));
        }
        return bytes;
    }

    /// <summary>Windows in a blob of <paramref name="bytes"/> bytes; a length that is not whole windows is corruption.</summary>
    public static int Windows(int bytes, int dimension)
    {
        int row = dimension * sizeof(float);
        if (bytes % row != 0) throw new InvalidDataException($"stored vector blob has {bytes} bytes, not a whole number of {dimension}-dimensional windows");
        return bytes / row;
    }

    public static float[] Window(ReadOnlySpan<byte> blob, int window, int dimension) =>
        MemoryMarshal.Cast<byte, float>(blob.Slice(window * dimension * sizeof(float), dimension * sizeof(float))).ToArray();
}
