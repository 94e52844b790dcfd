namespace SemanticSearch.Model.Forward;

/// <summary>
/// Activation buffers of one forward pass over packed tokens. They only ever grow (to the largest batch
/// seen), so steady-state encoding allocates nothing per batch. One workspace serves one thread at a time.
/// </summary>
internal sealed class EncoderWorkspace
{
    public int[] PackedIds = Array.Empty<int>();    // [T] token ids of all sequences, back to back
    public int[] SeqOffsets = Array.Empty<int>();   // [S+1]
    public float[] Hidden = Array.Empty<float>();   // [T, H] layer input / output
    public float[] Scratch = Array.Empty<float>();  // [T, H] projection + residual before LayerNorm
    public float[] Context = Array.Empty<float>();  // [T, H] attention output
    public float[] Qkv = Array.Empty<float>();      // [T, 3H]
    public float[] Intermediate = Array.Empty<float>(); // [T, I]
    public int[] PositionIds = Array.Empty<int>();  // [T]
    public int[] TokenTypeIds = Array.Empty<int>(); // [T], always 0: single-segment inputs
    public float[] Pooled = Array.Empty<float>();   // [S, H] one pooling mode
    public float[] Sentences = Array.Empty<float>(); // [S, D] concatenated poolings
    public float[] Normalized = Array.Empty<float>(); // [S, D]

    /// <summary>Grows <paramref name="buffer"/> to at least <paramref name="length"/>, with headroom so slowly growing batches do not reallocate each time.</summary>
    public static Span<T> Ensure<T>(ref T[] buffer, long length)
    {
        if (length > Array.MaxLength) throw new InvalidOperationException($"batch needs a buffer of {length} elements, more than one array can hold; lower the batch size");
        if (buffer.Length < length)
            buffer = new T[Math.Min(Array.MaxLength, Math.Max(length, Math.Min(Array.MaxLength, buffer.Length + buffer.Length / 2)))];
        return buffer.AsSpan(0, (int)length);
    }
}
