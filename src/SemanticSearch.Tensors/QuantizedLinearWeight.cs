using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SemanticSearch.Tensors;

/// <summary>
/// A Linear weight W [out, in] quantized symmetrically per output channel: W[o, i] ≈ Values[o, i] · Scales[o]
/// with Values in [-127, 127] and Scales[o] = max_i |W[o, i]| / 127 (so each row's largest weight maps to ±127).
/// Also holds the kernel's packed copy: panels of <see cref="Int8MicroKernel.NR"/> output channels, each
/// [pairs][NR] int16 pairs (k padded to even, channels past out zero), 2 bytes per weight.
/// Immutable once built.
/// </summary>
public sealed unsafe class QuantizedLinearWeight
{
    // Pinned: the kernels hold raw pointers into it across worker threads.
    private readonly short[] _packed;

    private QuantizedLinearWeight(sbyte[] values, float[] scales, int outFeatures, int inFeatures)
    {
        Values = values;
        Scales = scales;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Pairs = (inFeatures + 1) / 2;
        Panels = (outFeatures + Int8MicroKernel.NR - 1) / Int8MicroKernel.NR;
        _packed = GC.AllocateArray<short>(checked(Panels * Pairs * Int8MicroKernel.NR * 2), pinned: true);
        const int NR = Int8MicroKernel.NR;
        for (int o = 0; o < outFeatures; o++)
        {
            int panel = o / NR, c = o % NR;
            int baseIndex = panel * Pairs * NR * 2;
            for (int i = 0; i < inFeatures; i++)
                _packed[baseIndex + ((i / 2) * NR + c) * 2 + (i & 1)] = values[o * inFeatures + i];
        }
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }
    /// <summary>Quantized weights [out, in], row-major.</summary>
    public sbyte[] Values { get; }
    /// <summary>Per-output-channel scale [out].</summary>
    public float[] Scales { get; }
    internal int Pairs { get; }
    internal int Panels { get; }
    /// <summary>Packed panel <paramref name="panel"/>: [Pairs][NR] int32 (int16 pairs).</summary>
    internal int* Panel(int panel) =>
        (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_packed)) + (nint)panel * Pairs * Int8MicroKernel.NR;

    /// <summary>Quantizes <paramref name="weight"/> [outFeatures, inFeatures] per output channel (round half to even).</summary>
    public static QuantizedLinearWeight Quantize(ReadOnlySpan<float> weight, int outFeatures, int inFeatures)
    {
        CheckShape(outFeatures, inFeatures);
        PackedSequences.RequireLength(weight.Length, (long)outFeatures * inFeatures, nameof(QuantizedLinearWeight), nameof(weight));
        var values = new sbyte[outFeatures * inFeatures];
        var scales = new float[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            var row = weight.Slice(o * inFeatures, inFeatures);
            float max = 0f;
            foreach (float w in row)
            {
                if (!float.IsFinite(w)) throw new ArgumentException($"{nameof(QuantizedLinearWeight)}: weight row {o} holds {w}; only finite weights can be quantized", nameof(weight));
                max = MathF.Max(max, MathF.Abs(w));
            }
            float scale = max / 127f;
            scales[o] = scale;
            if (max == 0f) continue;
            float inverse = 127f / max;
            for (int i = 0; i < inFeatures; i++)
                values[o * inFeatures + i] = (sbyte)Math.Clamp(MathF.Round(row[i] * inverse), -127f, 127f);
        }
        return new QuantizedLinearWeight(values, scales, outFeatures, inFeatures);
    }

    /// <summary>Builds the weight from stored values and scales (a saved model), checking both.</summary>
    public static QuantizedLinearWeight FromValues(sbyte[] values, float[] scales, int outFeatures, int inFeatures)
    {
        CheckShape(outFeatures, inFeatures);
        if (values.Length != (long)outFeatures * inFeatures)
            throw new ArgumentException($"{nameof(QuantizedLinearWeight)}: {values.Length} values for a [{outFeatures}, {inFeatures}] weight", nameof(values));
        if (scales.Length != outFeatures)
            throw new ArgumentException($"{nameof(QuantizedLinearWeight)}: {scales.Length} scales for {outFeatures} output channels", nameof(scales));
        for (int o = 0; o < scales.Length; o++)
            if (!float.IsFinite(scales[o]) || scales[o] < 0f)
                throw new ArgumentException($"{nameof(QuantizedLinearWeight)}: scale of channel {o} is {scales[o]}; must be finite and ≥ 0", nameof(scales));
        for (int i = 0; i < values.Length; i++)
            if (values[i] == sbyte.MinValue)
                throw new ArgumentException($"{nameof(QuantizedLinearWeight)}: value -128 at [{i / inFeatures}, {i % inFeatures}]; the symmetric range is [-127, 127]", nameof(values));
        return new QuantizedLinearWeight(values, scales, outFeatures, inFeatures);
    }

    /// <summary>W' [out, in] = Values · Scales: the float weight this quantized one stands for.</summary>
    public float[] Dequantize()
    {
        var w = new float[Values.Length];
        for (int o = 0; o < OutFeatures; o++)
            for (int i = 0; i < InFeatures; i++) w[o * InFeatures + i] = Values[o * InFeatures + i] * Scales[o];
        return w;
    }

    /// <summary>Bytes the kernel's packed copy takes.</summary>
    public long PackedBytes => (long)_packed.Length * sizeof(short);

    private static void CheckShape(int outFeatures, int inFeatures)
    {
        if (outFeatures <= 0 || inFeatures <= 0 || inFeatures > Int8MicroKernel.MaxK)
            throw new ArgumentOutOfRangeException(nameof(outFeatures),
                $"{nameof(QuantizedLinearWeight)}: bad shape out={outFeatures}, in={inFeatures} (in must be 1..{Int8MicroKernel.MaxK})");
    }
}
