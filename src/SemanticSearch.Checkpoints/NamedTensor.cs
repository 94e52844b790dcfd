namespace SemanticSearch.Checkpoints;

/// <summary>
/// One checkpoint tensor, viewed as float32 in row-major (C) order.
/// Integer and bool tensors (e.g. <c>embeddings.position_ids</c>) also keep their exact values in
/// <see cref="IntegerValues"/>, because int64 values above 2^24 do not survive a float32 conversion.
/// The arrays are not copied: the tensor owns what it is given, so a 90 MB model is not held twice.
/// </summary>
public sealed class NamedTensor
{
    public string Name { get; }
    public int[] Shape { get; }
    public TensorDType SourceDType { get; }

    /// <summary>Values converted to float32 (for integer tensors: the converted integer values).</summary>
    public float[] Data { get; }

    /// <summary>Exact values of integer/bool tensors; null for floating-point tensors.</summary>
    public long[]? IntegerValues { get; }

    public long ElementCount { get; }

    public NamedTensor(string name, int[] shape, float[] data, TensorDType sourceDType = TensorDType.F32)
        : this(name, shape, data, null, sourceDType)
    {
    }

    private NamedTensor(string name, int[] shape, float[] data, long[]? integerValues, TensorDType sourceDType)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = CountElements(shape, name);
        if (data.LongLength != count)
        {
            throw new ArgumentException(
                $"tensor '{name}': shape [{string.Join(", ", shape)}] holds {count} elements but {data.LongLength} values were given",
                nameof(data));
        }

        Name = name;
        Shape = (int[])shape.Clone();
        Data = data;
        IntegerValues = integerValues;
        SourceDType = sourceDType;
        ElementCount = count;
    }

    /// <summary>An integer or bool tensor: keeps <paramref name="values"/> exactly and derives the float view.</summary>
    public static NamedTensor FromIntegers(string name, int[] shape, long[] values, TensorDType sourceDType)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!sourceDType.IsInteger())
        {
            throw new ArgumentException($"tensor '{name}': {sourceDType} is not an integer dtype", nameof(sourceDType));
        }

        var floats = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            floats[i] = values[i];
        }

        return new NamedTensor(name, shape, floats, values, sourceDType);
    }

    /// <summary>Product of the dimensions; rejects negative dimensions and counts no float[] can hold.</summary>
    internal static long CountElements(int[] shape, string tensorName)
    {
        long count = 1;
        foreach (int dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"tensor '{tensorName}': negative dimension in shape [{string.Join(", ", shape)}]");
            }

            count *= dim;
            if (count > Array.MaxLength)
            {
                throw new ArgumentException($"tensor '{tensorName}': shape [{string.Join(", ", shape)}] is too large for one array");
            }
        }

        return count;
    }

    public override string ToString() => $"{Name} {SourceDType}[{string.Join(", ", Shape)}]";
}
