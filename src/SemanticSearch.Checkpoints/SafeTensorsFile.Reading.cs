using System.Collections.ObjectModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// Reads and writes <c>.safetensors</c> files: an 8-byte little-endian header length, a JSON header
/// describing each tensor, then the raw little-endian tensor data.
/// </summary>
public static partial class SafeTensorsFile
{
    /// <summary>
    /// Reads every tensor. The dictionary enumerates in file order (ascending data offset), which for
    /// files written by the reference library or by <see cref="Write"/> is name order within each dtype.
    /// Float tensors become float32; integer/bool tensors also keep exact <see cref="NamedTensor.IntegerValues"/>.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is malformed; the message names the file and tensor.</exception>
    public static IReadOnlyDictionary<string, NamedTensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TensorElementDecoder.EnsureLittleEndianHost();
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        SafeTensorsHeader header = SafeTensorsHeader.Read(path, file);
        var tensors = new OrderedDictionary<string, NamedTensor>(header.Entries.Count, StringComparer.Ordinal);
        foreach (SafeTensorsEntry entry in header.Entries)
        {
            tensors.Add(entry.Name, ReadTensor(path, file, header.DataStart, entry));
        }

        return new ReadOnlyDictionary<string, NamedTensor>(tensors);
    }

    /// <summary>The <c>__metadata__</c> string map of the header (empty when absent), without reading any tensor data.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return SafeTensorsHeader.Read(path, file).Metadata;
    }

    /// <summary>
    /// Reads one tensor straight into its final array where the stored type allows it (F32, I64), so
    /// the common case costs one read syscall and no intermediate copy.
    /// </summary>
    private static NamedTensor ReadTensor(string path, SafeFileHandle file, long dataStart, SafeTensorsEntry entry)
    {
        long byteCount = entry.End - entry.Begin;
        if (byteCount > Array.MaxLength)
        {
            // Spans and arrays are indexed by int; no sentence-embedding model has a 2 GB tensor.
            throw new CheckpointFormatException(path, entry.Name, $"tensor is {byteCount} bytes, more than one array can hold");
        }

        long elementCount = byteCount / entry.DType.ElementSize();
        long fileOffset = dataStart + entry.Begin;
        switch (entry.DType)
        {
            case TensorDType.F32:
                var floats = new float[elementCount];
                SafeTensorsHeader.ReadExactly(file, MemoryMarshal.AsBytes(floats.AsSpan()), fileOffset);
                return new NamedTensor(entry.Name, entry.Shape, floats, TensorDType.F32);
            case TensorDType.I64:
                var longs = new long[elementCount];
                SafeTensorsHeader.ReadExactly(file, MemoryMarshal.AsBytes(longs.AsSpan()), fileOffset);
                return NamedTensor.FromIntegers(entry.Name, entry.Shape, longs, TensorDType.I64);
            default:
                byte[] raw = GC.AllocateUninitializedArray<byte>((int)byteCount);
                SafeTensorsHeader.ReadExactly(file, raw, fileOffset);
                return TensorElementDecoder.Decode(entry.Name, entry.Shape, entry.DType, raw);
        }
    }
}
