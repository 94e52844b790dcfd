namespace SemanticSearch.Tensors;

/// <summary>
/// A dropout mask that is a pure function of (key, element index): nothing is stored between the forward
/// and the backward pass, the same key replays the same mask (gradient caching re-runs a forward), and the
/// result cannot depend on thread count or scheduling because no element consumes a shared RNG stream.
/// </summary>
public readonly struct DropoutMask
{
    private readonly ulong _key;
    private readonly uint _threshold; // keep when the element's 24-bit uniform ≥ threshold
    private readonly float _scale;

    /// <summary>A mask dropping each element with <paramref name="probability"/>; 0 gives the identity.</summary>
    public DropoutMask(ulong key, float probability)
    {
        if (!(probability >= 0f && probability < 1f))
            throw new ArgumentOutOfRangeException(nameof(probability), $"dropout probability must be in [0, 1), got {probability}.");
        _key = key;
        Probability = probability;
        _threshold = (uint)Math.Round(probability * (1 << 24));
        _scale = 1f / (1f - probability);
    }

    /// <summary>The mask that keeps everything (inference, or dropout 0).</summary>
    public static DropoutMask None => default;

    public float Probability { get; }
    /// <summary>Inverted-dropout scale 1/(1−p) applied to kept elements (torch's convention).</summary>
    public float Scale => _threshold == 0 ? 1f : _scale; // default(DropoutMask) is the identity too
    public bool IsActive => _threshold != 0;

    /// <summary>
    /// Key of one dropout site in one forward: (seed, step, site) mixed so different steps and sites give
    /// unrelated masks.
    /// </summary>
    public static ulong DeriveKey(ulong seed, ulong step, ulong site) => Mix(Mix(Mix(seed) ^ step) ^ (site * 0xD1B54A32D192ED03UL));

    /// <summary>Whether element <paramref name="index"/> survives.</summary>
    public bool Keeps(long index)
    {
        if (_threshold == 0) return true;
        uint uniform24 = (uint)(Mix(_key + (ulong)index * 0x9E3779B97F4A7C15UL) >> 40);
        return uniform24 >= _threshold;
    }

    /// <summary>The multiplier of element <paramref name="index"/>: Scale if kept, else 0.</summary>
    public float Factor(long index) => _threshold == 0 ? 1f : Keeps(index) ? _scale : 0f;

    // SplitMix64's finalizer: a bijective avalanche mix, so consecutive counters give independent-looking bits.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Inverted dropout over a flat tensor: y = x·mask/(1−p). Element i uses mask index i.</summary>
public static class Dropout
{
    /// <summary>output[i] = input[i]·Factor(i); output may alias input.</summary>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, DropoutMask mask)
    {
        PackedSequences.RequireLength(output.Length, input.Length, nameof(Dropout), nameof(output));
        if (!mask.IsActive)
        {
            if (!SameStart(output, input)) input.CopyTo(output);
            return;
        }
        for (int i = 0; i < input.Length; i++) output[i] = input[i] * mask.Factor(i);
    }

    /// <summary>dInput[i] += dOutput[i]·Factor(i): the same mask, regenerated from its key.</summary>
    public static void Backward(Span<float> dInput, ReadOnlySpan<float> dOutput, DropoutMask mask)
    {
        PackedSequences.RequireLength(dInput.Length, dOutput.Length, nameof(Dropout), nameof(dInput));
        if (!mask.IsActive)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(dInput, dOutput, dInput);
            return;
        }
        for (int i = 0; i < dOutput.Length; i++) dInput[i] += dOutput[i] * mask.Factor(i);
    }

    private static bool SameStart(Span<float> a, ReadOnlySpan<float> b)
        => System.Runtime.CompilerServices.Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b));
}
