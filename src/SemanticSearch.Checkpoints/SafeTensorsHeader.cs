using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace SemanticSearch.Checkpoints;

/// <summary>Where one tensor lives in a safetensors data section (offsets relative to the data section).</summary>
internal sealed record SafeTensorsEntry(string Name, TensorDType DType, int[] Shape, long Begin, long End);

/// <summary>
/// The parsed and fully validated header of a safetensors file. Validation follows the rules of the
/// reference implementation: every tensor's byte range matches its shape and dtype, and the ranges
/// tile the data section exactly (no gaps, no overlaps, nothing past the end, nothing left over).
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The reference implementation refuses headers above 100 MB; a real header is a few KB.</summary>
    private const long MaxHeaderLength = 100_000_000;
    private const string MetadataKey = "__metadata__";

    /// <summary>Tensors in data-section order (ascending offsets).</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset where the data section starts (8 + header length).</summary>
    public long DataStart { get; }

    private SafeTensorsHeader(List<SafeTensorsEntry> entries, Dictionary<string, string> metadata, long dataStart)
    {
        Entries = entries;
        Metadata = metadata;
        DataStart = dataStart;
    }

    public static SafeTensorsHeader Read(string path, SafeFileHandle file)
    {
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
        {
            throw new CheckpointFormatException(path, null,
                $"file is {fileLength} bytes, too short for the 8-byte header length (truncated or not a safetensors file)");
        }

        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(file, prefix, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new CheckpointFormatException(path, null,
                $"header length {headerLength} extends beyond the end of the file ({fileLength} bytes); truncated or not a safetensors file");
        }

        if ((long)headerLength > MaxHeaderLength)
        {
            throw new CheckpointFormatException(path, null, $"header length {headerLength} exceeds the {MaxHeaderLength}-byte limit");
        }

        var headerBytes = new byte[headerLength];
        ReadExactly(file, headerBytes, 8);
        long dataStart = 8 + (long)headerLength;
        return Parse(path, headerBytes, dataStart, fileLength - dataStart);
    }

    private static SafeTensorsHeader Parse(string path, byte[] headerBytes, long dataStart, long dataLength)
    {
        // JsonDocument accepts invalid UTF-8 inside strings and only fails later, when a name is
        // decoded; checking up front turns that into a clear error about the header.
        if (!Utf8.IsValid(headerBytes))
        {
            throw new CheckpointFormatException(path, null, "header is not valid UTF-8 (corrupt file or not a safetensors file)");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, null, $"header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, null,
                    $"header must be a JSON object, found {document.RootElement.ValueKind}");
            }

            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                // JSON allows repeated keys and most parsers keep the last one silently; two tensors
                // with one name means the file is corrupt or ambiguous, so it is an error here.
                if (!seen.Add(property.Name))
                {
                    throw new CheckpointFormatException(path, property.Name, "name appears more than once in the header");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    entries.Add(ParseEntry(path, property.Name, property.Value, dataLength));
                }
            }

            CheckTiling(path, entries, dataLength);
            return new SafeTensorsHeader(entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, null, $"{MetadataKey} must be an object of strings, found {value.ValueKind}");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, null,
                    $"{MetadataKey} value for '{item.Name}' must be a string, found {item.Value.ValueKind}");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafeTensorsEntry ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, name, $"header entry must be an object, found {value.ValueKind}");
        }

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointFormatException(path, name, "missing or non-string 'dtype'");
        }

        string dtypeName = dtypeElement.GetString()!;
        TensorDType dtype = TensorDTypes.FromSafeTensorsName(dtypeName)
            ?? throw new CheckpointFormatException(path, name,
                $"unknown or unsupported dtype '{dtypeName}' (supported: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)");

        int[] shape = ReadShape(path, name, value);
        (long begin, long end) = ReadOffsets(path, name, value);

        long elementCount;
        try
        {
            elementCount = NamedTensor.CountElements(shape, name);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException(path, name, e.Message, e);
        }

        long expectedBytes = elementCount * dtype.ElementSize();
        if (end - begin != expectedBytes)
        {
            throw new CheckpointFormatException(path, name,
                $"shape [{string.Join(", ", shape)}] of {dtypeName} needs {expectedBytes} bytes but data_offsets [{begin}, {end}] span {end - begin}");
        }

        if (end > dataLength)
        {
            throw new CheckpointFormatException(path, name,
                $"data_offsets [{begin}, {end}] extend beyond the data section ({dataLength} bytes); the file is truncated or the offsets are wrong");
        }

        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    private static int[] ReadShape(string path, string name, JsonElement value)
    {
        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, name, "missing or non-array 'shape'");
        }

        var shape = new int[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out int size) || size < 0)
            {
                throw new CheckpointFormatException(path, name, $"shape dimension {i} is not a non-negative 32-bit integer: {dim.GetRawText()}");
            }

            shape[i++] = size;
        }

        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string path, string name, JsonElement value)
    {
        if (!value.TryGetProperty("data_offsets", out JsonElement offsets)
            || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException(path, name, "missing 'data_offsets' or it is not a [begin, end] pair");
        }

        JsonElement beginElement = offsets[0];
        JsonElement endElement = offsets[1];
        if (beginElement.ValueKind != JsonValueKind.Number || !beginElement.TryGetInt64(out long begin) || begin < 0
            || endElement.ValueKind != JsonValueKind.Number || !endElement.TryGetInt64(out long end) || end < begin)
        {
            throw new CheckpointFormatException(path, name,
                $"data_offsets {offsets.GetRawText()} must be two non-negative integers with begin <= end");
        }

        return (begin, end);
    }

    /// <summary>Sorts entries by offset and requires them to cover [0, dataLength) exactly once.</summary>
    private static void CheckTiling(string path, List<SafeTensorsEntry> entries, long dataLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = 0;
        string? previous = null;
        foreach (SafeTensorsEntry entry in entries)
        {
            if (entry.Begin < covered)
            {
                throw new CheckpointFormatException(path, entry.Name,
                    $"data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous}' which ends at {covered}");
            }

            if (entry.Begin > covered)
            {
                throw new CheckpointFormatException(path, entry.Name,
                    $"data_offsets [{entry.Begin}, {entry.End}] leave bytes [{covered}, {entry.Begin}) of the data section unused");
            }

            covered = entry.End;
            previous = entry.Name;
        }

        if (covered != dataLength)
        {
            throw new CheckpointFormatException(path, null,
                $"data section is {dataLength} bytes but the tensors cover only {covered}; {dataLength - covered} trailing bytes belong to no tensor");
        }
    }

    internal static void ReadExactly(SafeFileHandle file, Span<byte> destination, long fileOffset)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(file, destination, fileOffset);
            if (read == 0)
            {
                throw new EndOfStreamException($"unexpected end of file at offset {fileOffset}");
            }

            destination = destination[read..];
            fileOffset += read;
        }
    }
}
