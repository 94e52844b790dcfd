namespace SemanticSearch.Checkpoints;

/// <summary>Element types a checkpoint tensor can be stored in.</summary>
public enum TensorDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool }

/// <summary>Facts about each <see cref="TensorDType"/>: byte size, safetensors spelling, integer-ness.</summary>
public static class TensorDTypes
{
    public static int ElementSize(this TensorDType dtype) => dtype switch
    {
        TensorDType.F64 or TensorDType.I64 => 8,
        TensorDType.F32 or TensorDType.I32 => 4,
        TensorDType.F16 or TensorDType.BF16 or TensorDType.I16 => 2,
        TensorDType.I8 or TensorDType.U8 or TensorDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for dtypes whose values are integers (kept losslessly in <see cref="NamedTensor.IntegerValues"/>).</summary>
    public static bool IsInteger(this TensorDType dtype) =>
        dtype is TensorDType.I64 or TensorDType.I32 or TensorDType.I16 or TensorDType.I8 or TensorDType.U8 or TensorDType.Bool;

    /// <summary>The dtype string used in safetensors headers ("F32", "BOOL", ...).</summary>
    public static string SafeTensorsName(this TensorDType dtype) => dtype == TensorDType.Bool ? "BOOL" : dtype.ToString();

    /// <summary>Parses a safetensors header dtype string; null when the dtype is not one we can read.</summary>
    public static TensorDType? FromSafeTensorsName(string name) => name switch
    {
        "F32" => TensorDType.F32,
        "F16" => TensorDType.F16,
        "BF16" => TensorDType.BF16,
        "F64" => TensorDType.F64,
        "I64" => TensorDType.I64,
        "I32" => TensorDType.I32,
        "I16" => TensorDType.I16,
        "I8" => TensorDType.I8,
        "U8" => TensorDType.U8,
        "BOOL" => TensorDType.Bool,
        _ => null,
    };
}
