using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SemanticSearch.Checkpoints;

public static partial class SafeTensorsFile
{
    private const int EncodeChunkElements = 1 << 16;

    /// <summary>
    /// Writes <paramref name="tensors"/> atomically (see <see cref="AtomicFileWriter"/>): on any error
    /// an existing file at <paramref name="path"/> is left as it was.
    /// Float tensors are stored as <paramref name="dtype"/> (F32, F16 or BF16); integer/bool tensors
    /// (those with <see cref="NamedTensor.IntegerValues"/>) keep their own dtype so nothing is lost.
    /// Layout follows the reference implementation: data ordered by element size (largest first) then
    /// by name, so every tensor is aligned to its element size; the JSON header lists
    /// <c>__metadata__</c> first and then the tensors in data order, and is padded with spaces to a
    /// multiple of 8 bytes. Metadata defaults to <c>{"format":"pt"}</c>; a "format" entry is added
    /// when the caller's metadata lacks one, because transformers refuses files without it.
    /// </summary>
    /// <exception cref="ArgumentException">Unsupported dtype, duplicate or reserved names, or a value
    /// that does not fit the stored dtype (message names the file and the tensor).</exception>
    public static void Write(string path, IEnumerable<NamedTensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, TensorDType dtype = TensorDType.F32)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (dtype is not (TensorDType.F32 or TensorDType.F16 or TensorDType.BF16))
        {
            throw new ArgumentException($"{path}: float tensors can be written as F32, F16 or BF16, not {dtype}", nameof(dtype));
        }

        TensorElementDecoder.EnsureLittleEndianHost();
        List<(NamedTensor Tensor, TensorDType Stored)> layout = PlanLayout(path, tensors, dtype);
        byte[] header = BuildHeader(layout, metadata);
        AtomicFileWriter.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)header.Length));
            stream.Write(header);
            foreach ((NamedTensor tensor, TensorDType stored) in layout)
            {
                WriteTensorData(path, stream, tensor, stored);
            }
        });
    }

    private static List<(NamedTensor Tensor, TensorDType Stored)> PlanLayout(
        string path, IEnumerable<NamedTensor> tensors, TensorDType floatDType)
    {
        var layout = new List<(NamedTensor Tensor, TensorDType Stored)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (NamedTensor tensor in tensors)
        {
            if (tensor is null)
            {
                throw new ArgumentException($"{path}: the tensor list contains null", nameof(tensors));
            }

            if (tensor.Name == "__metadata__")
            {
                throw new ArgumentException($"{path}: '__metadata__' is reserved and cannot name a tensor", nameof(tensors));
            }

            if (!names.Add(tensor.Name))
            {
                throw new ArgumentException($"{path}: tensor '{tensor.Name}' is given more than once", nameof(tensors));
            }

            layout.Add((tensor, tensor.IntegerValues is null ? floatDType : tensor.SourceDType));
        }

        layout.Sort((a, b) =>
        {
            int bySize = b.Stored.ElementSize().CompareTo(a.Stored.ElementSize());
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Tensor.Name, b.Tensor.Name);
        });
        return layout;
    }

    private static byte[] BuildHeader(List<(NamedTensor Tensor, TensorDType Stored)> layout,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        // Relaxed escaping writes non-ASCII names as UTF-8 like serde_json does, instead of \uXXXX.
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (metadata is not null)
            {
                foreach (KeyValuePair<string, string> item in metadata)
                {
                    entries[item.Key] = item.Value;
                }
            }

            entries.TryAdd("format", "pt");
            foreach (KeyValuePair<string, string> item in entries)
            {
                json.WriteString(item.Key, item.Value);
            }

            json.WriteEndObject();
            long offset = 0;
            foreach ((NamedTensor tensor, TensorDType stored) in layout)
            {
                long end = offset + tensor.ElementCount * stored.ElementSize();
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", stored.SafeTensorsName());
                json.WriteStartArray("shape");
                foreach (int dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        // Pad with spaces (valid JSON whitespace) so the data section starts 8-byte aligned.
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void WriteTensorData(string path, Stream stream, NamedTensor tensor, TensorDType stored)
    {
        if (stored == TensorDType.F32)
        {
            stream.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
            return;
        }

        int size = stored.ElementSize();
        byte[] chunk = new byte[EncodeChunkElements * size];
        long count = tensor.ElementCount;
        for (int start = 0; start < count; start += EncodeChunkElements)
        {
            int length = (int)Math.Min(EncodeChunkElements, count - start);
            Span<byte> bytes = chunk.AsSpan(0, length * size);
            int bad = tensor.IntegerValues is { } integers
                ? TensorElementEncoder.EncodeIntegers(integers.AsSpan(start, length), stored, bytes)
                : TensorElementEncoder.EncodeFloats(tensor.Data.AsSpan(start, length), stored, bytes);
            if (bad >= 0)
            {
                string value = tensor.IntegerValues is { } ints ? ints[start + bad].ToString() : tensor.Data[start + bad].ToString("R");
                throw new ArgumentException(
                    $"{path}: tensor '{tensor.Name}': value {value} at flat index {start + bad} does not fit in {stored}");
            }

            stream.Write(bytes);
        }
    }
}
