using System.Runtime.InteropServices;
using Google.Protobuf;
using SemanticSearch.Checkpoints.Onnx.Proto;

namespace SemanticSearch.Checkpoints.Onnx;

/// <summary>
/// A <see cref="TensorProto"/> → <see cref="NamedTensor"/>: values from <c>raw_data</c> (little-endian), from the typed
/// fields (<c>float_data</c>, <c>int32_data</c> holding FLOAT16 bits, <c>int64_data</c>, ...) or from an external-data
/// file beside the model. FLOAT, FLOAT16, BFLOAT16 and DOUBLE become float32; INT64/INT32/INT8/UINT8/BOOL keep
/// exact integer values (shape constants).
/// </summary>
internal sealed class OnnxTensorDecoder(string modelPath)
{
    private readonly string _modelDirectory = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;

    public string ModelPath { get; } = modelPath;

    public NamedTensor Decode(TensorProto tensor, string name)
    {
        TensorElementDecoder.EnsureLittleEndianHost();
        TensorDType dtype = DTypeOf(tensor, name);
        int[] shape = ShapeOf(tensor, name);
        long count;
        try { count = NamedTensor.CountElements(shape, name); }
        catch (ArgumentException e) { throw new CheckpointFormatException(ModelPath, name, e.Message, e); }
        long byteCount = count * dtype.ElementSize();
        if (byteCount > Array.MaxLength) throw new CheckpointFormatException(ModelPath, name, $"tensor is {byteCount} bytes, more than one array can hold");

        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            return TensorElementDecoder.Decode(name, shape, dtype, OnnxExternalData.Read(ModelPath, _modelDirectory, tensor, name, byteCount));
        if (!tensor.RawData.IsEmpty)
        {
            if (tensor.RawData.Length != byteCount)
                throw new CheckpointFormatException(ModelPath, name, $"raw_data holds {tensor.RawData.Length} bytes, shape [{string.Join(", ", shape)}] of {dtype} needs {byteCount}");
            return TensorElementDecoder.Decode(name, shape, dtype, tensor.RawData.Span);
        }
        return FromTypedFields(tensor, name, shape, dtype, count);
    }

    private NamedTensor FromTypedFields(TensorProto tensor, string name, int[] shape, TensorDType dtype, long count)
    {
        void RequireCount(int actual, string field)
        {
            if (actual != count)
                throw new CheckpointFormatException(ModelPath, name, $"{field} holds {actual} values, shape [{string.Join(", ", shape)}] needs {count}");
        }

        switch (dtype)
        {
            case TensorDType.F32:
                RequireCount(tensor.FloatData.Count, "float_data");
                return new NamedTensor(name, shape, tensor.FloatData.ToArray(), dtype);
            case TensorDType.F64:
                RequireCount(tensor.DoubleData.Count, "double_data");
                return new NamedTensor(name, shape, tensor.DoubleData.Select(d => (float)d).ToArray(), dtype);
            case TensorDType.F16:
            case TensorDType.BF16:
            {
                // ONNX keeps the 16 bits of each half-precision element in the low half of an int32_data value.
                RequireCount(tensor.Int32Data.Count, "int32_data");
                var bits = new ushort[count];
                for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)tensor.Int32Data[i];
                return TensorElementDecoder.Decode(name, shape, dtype, MemoryMarshal.AsBytes(bits.AsSpan()));
            }
            case TensorDType.I64:
                RequireCount(tensor.Int64Data.Count, "int64_data");
                return NamedTensor.FromIntegers(name, shape, tensor.Int64Data.ToArray(), dtype);
            default:
                RequireCount(tensor.Int32Data.Count, "int32_data");
                return NamedTensor.FromIntegers(name, shape, tensor.Int32Data.Select(v => (long)v).ToArray(), dtype);
        }
    }

    private TensorDType DTypeOf(TensorProto tensor, string name) => (TensorProto.Types.DataType)tensor.DataType switch
    {
        TensorProto.Types.DataType.Float => TensorDType.F32,
        TensorProto.Types.DataType.Float16 => TensorDType.F16,
        TensorProto.Types.DataType.Bfloat16 => TensorDType.BF16,
        TensorProto.Types.DataType.Double => TensorDType.F64,
        TensorProto.Types.DataType.Int64 => TensorDType.I64,
        TensorProto.Types.DataType.Int32 => TensorDType.I32,
        TensorProto.Types.DataType.Int16 => TensorDType.I16,
        TensorProto.Types.DataType.Int8 => TensorDType.I8,
        TensorProto.Types.DataType.Uint8 => TensorDType.U8,
        TensorProto.Types.DataType.Bool => TensorDType.Bool,
        _ => throw new CheckpointFormatException(ModelPath, name,
            $"element type {(TensorProto.Types.DataType)tensor.DataType} ({tensor.DataType}) is not supported (FLOAT, FLOAT16, BFLOAT16, DOUBLE or an integer type)"),
    };

    private int[] ShapeOf(TensorProto tensor, string name)
    {
        var shape = new int[tensor.Dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long dim = tensor.Dims[i];
            if (dim < 0 || dim > int.MaxValue)
                throw new CheckpointFormatException(ModelPath, name, $"dimension {i} is {dim}");
            shape[i] = (int)dim;
        }
        return shape;
    }
}
