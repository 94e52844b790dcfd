using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// Encodes float32 / integer values into the little-endian bytes of a stored dtype. Narrowing
/// conversions report the first value that does not fit instead of silently storing infinity or a
/// wrapped integer, because such a model would load fine and then produce garbage embeddings.
/// </summary>
internal static class TensorElementEncoder
{
    /// <summary>Encodes <paramref name="source"/>; returns the index of the first finite value that overflows, or -1.</summary>
    public static int EncodeFloats(ReadOnlySpan<float> source, TensorDType dtype, Span<byte> destination)
    {
        switch (dtype)
        {
            case TensorDType.F32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                return -1;
            case TensorDType.F16:
                Span<Half> halves = MemoryMarshal.Cast<byte, Half>(destination);
                for (int i = 0; i < source.Length; i++)
                {
                    // The float→Half conversion rounds to nearest even, like torch's .half().
                    Half half = (Half)source[i];
                    if (Half.IsInfinity(half) && float.IsFinite(source[i]))
                    {
                        return i;
                    }

                    halves[i] = half;
                }

                return -1;
            case TensorDType.BF16:
                Span<ushort> upper = MemoryMarshal.Cast<byte, ushort>(destination);
                for (int i = 0; i < source.Length; i++)
                {
                    ushort bits = ToBFloat16Bits(source[i]);
                    if ((bits & 0x7FFF) == 0x7F80 && float.IsFinite(source[i]))
                    {
                        return i;
                    }

                    upper[i] = bits;
                }

                return -1;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "can only write F32, F16 or BF16 float tensors");
        }
    }

    /// <summary>Round-to-nearest-even truncation of a float32 to its upper 16 bits, as torch does.</summary>
    internal static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // Keep it a (quiet) NaN: plain truncation could drop every mantissa bit and yield infinity.
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>Encodes integers in <paramref name="dtype"/>; returns the index of the first out-of-range value, or -1.</summary>
    public static int EncodeIntegers(ReadOnlySpan<long> source, TensorDType dtype, Span<byte> destination)
    {
        if (dtype == TensorDType.I64)
        {
            MemoryMarshal.AsBytes(source).CopyTo(destination);
            return -1;
        }

        (long min, long max) = dtype switch
        {
            TensorDType.I32 => (int.MinValue, int.MaxValue),
            TensorDType.I16 => (short.MinValue, short.MaxValue),
            TensorDType.I8 => (sbyte.MinValue, sbyte.MaxValue),
            TensorDType.U8 => (byte.MinValue, byte.MaxValue),
            TensorDType.Bool => (0L, 1L),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not an integer dtype"),
        };
        int size = dtype.ElementSize();
        for (int i = 0; i < source.Length; i++)
        {
            long value = source[i];
            if (value < min || value > max)
            {
                return i;
            }

            Span<byte> slot = destination.Slice(i * size, size);
            switch (size)
            {
                case 4: BinaryPrimitives.WriteInt32LittleEndian(slot, (int)value); break;
                case 2: BinaryPrimitives.WriteInt16LittleEndian(slot, (short)value); break;
                default: slot[0] = (byte)value; break;
            }
        }

        return -1;
    }
}
