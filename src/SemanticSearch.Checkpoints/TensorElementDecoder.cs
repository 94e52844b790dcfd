using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// Turns the raw little-endian bytes of a stored tensor into a <see cref="NamedTensor"/>.
/// Whole spans are reinterpreted with <see cref="MemoryMarshal"/> instead of decoding element by
/// element through a reader, which is what keeps loading a 90 MB model fast.
/// </summary>
internal static class TensorElementDecoder
{
    /// <summary>Both formats store little-endian data; reinterpreting bytes is only right on such hosts.</summary>
    internal static void EnsureLittleEndianHost()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("checkpoint files are little-endian; big-endian hosts are not supported");
        }
    }

    /// <summary>Builds a tensor from exactly <c>elementCount × elementSize</c> bytes.</summary>
    internal static NamedTensor Decode(string name, int[] shape, TensorDType dtype, ReadOnlySpan<byte> raw)
    {
        EnsureLittleEndianHost();
        long count = raw.Length / dtype.ElementSize();
        if (dtype.IsInteger())
        {
            var values = new long[count];
            DecodeIntegers(raw, dtype, values);
            return NamedTensor.FromIntegers(name, shape, values, dtype);
        }

        var floats = new float[count];
        DecodeFloats(raw, dtype, floats);
        return new NamedTensor(name, shape, floats, dtype);
    }

    internal static void DecodeFloats(ReadOnlySpan<byte> raw, TensorDType dtype, Span<float> destination)
    {
        switch (dtype)
        {
            case TensorDType.F32:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(destination);
                break;
            case TensorDType.F16:
                ReadOnlySpan<Half> halves = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < halves.Length; i++)
                {
                    destination[i] = (float)halves[i];
                }

                break;
            case TensorDType.BF16:
                // bfloat16 is the upper half of a float32, so widening is a shift, exact for every value.
                ReadOnlySpan<ushort> upper = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < upper.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(upper[i] << 16);
                }

                break;
            case TensorDType.F64:
                ReadOnlySpan<double> doubles = MemoryMarshal.Cast<byte, double>(raw);
                for (int i = 0; i < doubles.Length; i++)
                {
                    destination[i] = (float)doubles[i];
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating-point dtype");
        }
    }

    internal static void DecodeIntegers(ReadOnlySpan<byte> raw, TensorDType dtype, Span<long> destination)
    {
        switch (dtype)
        {
            case TensorDType.I64:
                MemoryMarshal.Cast<byte, long>(raw).CopyTo(destination);
                break;
            case TensorDType.I32:
                ReadOnlySpan<int> ints = MemoryMarshal.Cast<byte, int>(raw);
                for (int i = 0; i < ints.Length; i++)
                {
                    destination[i] = ints[i];
                }

                break;
            case TensorDType.I16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt16LittleEndian(raw.Slice(2 * i, 2));
                }

                break;
            case TensorDType.I8:
                for (int i = 0; i < raw.Length; i++)
                {
                    destination[i] = (sbyte)raw[i];
                }

                break;
            case TensorDType.U8:
                for (int i = 0; i < raw.Length; i++)
                {
                    destination[i] = raw[i];
                }

                break;
            case TensorDType.Bool:
                for (int i = 0; i < raw.Length; i++)
                {
                    destination[i] = raw[i] != 0 ? 1 : 0;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not an integer dtype");
        }
    }
}
