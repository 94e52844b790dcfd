namespace SemanticSearch.Training.Encoder;

/// <summary>
/// What one BERT forward keeps for its backward, over T packed tokens. Buffers only grow (to the largest batch
/// seen), so a steady training loop allocates nothing per step.
/// </summary>
internal sealed class BertActivations
{
    public int[] Ids = [], Positions = [], Types = [], Offsets = [];
    public float[] EmbeddingSum = [];                 // [T,H] word + type + position, LayerNorm input
    public float[] EmbeddingMean = [], EmbeddingRstd = []; // [T]
    public LayerActivations[] Layers = [];
    public float[] Output = [];                       // [T,H] last layer output

    /// <summary>Gradient scratch, shared by all layers during backward.</summary>
    public float[] DHidden = [], DLnInput = [], DResidual = [], DBranch = [], DContext = [], DQkv = [], DIntermediate = [], DPreActivation = [];
    public float[] Scratch = [];                      // [T,H] forward temporary (projection before dropout / residual)

    public static Span<T> Grow<T>(ref T[] buffer, long length)
    {
        if (length > Array.MaxLength) throw new InvalidOperationException($"training batch needs a buffer of {length} elements; lower the batch size");
        if (buffer.Length < length) buffer = new T[Math.Min(Array.MaxLength, Math.Max(length, buffer.Length + buffer.Length / 2))];
        return buffer.AsSpan(0, (int)length);
    }
}

/// <summary>Saved tensors of one encoder layer (shapes for T tokens, hidden H, intermediate I).</summary>
internal sealed class LayerActivations
{
    public float[] Input = [];        // [T,H] layer input (previous layer's output)
    public float[] Qkv = [];          // [T,3H]
    public float[] Probs = [];        // Σ heads·L² attention probabilities before dropout
    public float[] Context = [];      // [T,H] attention output
    public float[] AttentionSum = []; // [T,H] dropout(dense(context)) + input: the first LayerNorm's input
    public float[] AttentionMean = [], AttentionRstd = []; // [T]
    public float[] AttentionOut = []; // [T,H] first LayerNorm output
    public float[] PreActivation = [];// [T,I]
    public float[] Activation = [];   // [T,I]
    public float[] OutputSum = [];    // [T,H] dropout(dense(act)) + AttentionOut: the second LayerNorm's input
    public float[] OutputMean = [], OutputRstd = []; // [T]
}
