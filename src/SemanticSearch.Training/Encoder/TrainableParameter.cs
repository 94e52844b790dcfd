namespace SemanticSearch.Training.Encoder;

/// <summary>
/// One parameter tensor of a training graph. <see cref="Value"/> is the model's live weight array (the optimizer
/// updates it in place, so the encoder sees the new weights at once); <see cref="Grad"/> accumulates dLoss/dValue
/// in float32 across Backward calls until <see cref="SentenceEncoderTrainingGraph.ZeroGrad"/>.
/// </summary>
public sealed class TrainableParameter
{
    public TrainableParameter(string name, int[] shape, float[] value)
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        if (count != value.Length) throw new ArgumentException($"parameter '{name}': shape [{string.Join(", ", shape)}] has {count} elements, the array {value.Length}");
        Name = name;
        Shape = shape;
        Value = value;
        Grad = new float[value.Length];
    }

    /// <summary>Hugging Face name, e.g. "encoder.layer.0.output.dense.bias"; the fused projection is "…attention.self.qkv.weight" [3H, H].</summary>
    public string Name { get; }
    public int[] Shape { get; }
    public float[] Value { get; }
    public float[] Grad { get; }
    /// <summary>A frozen parameter gets no gradient (Backward leaves Grad untouched and skips work that only it needs).</summary>
    public bool Frozen { get; set; }

    /// <summary>The gradient span Backward writes into: empty when frozen, so kernels skip it.</summary>
    internal Span<float> GradOrEmpty => Frozen ? Span<float>.Empty : Grad;

    /// <summary>The same arrays as the optimizer's parameter type (AdamW, clipping, state files).</summary>
    public Optimization.TrainableParameter ToOptimizerParameter() => new(Name, Value, Grad);
}

/// <summary>Dropout rates and the seed of the counter-based dropout masks.</summary>
public sealed class TrainingGraphOptions
{
    /// <summary>HF hidden_dropout_prob: after the embeddings, the attention output projection and the FFN output.</summary>
    public float HiddenDropout { get; init; } = 0.1f;
    /// <summary>HF attention_probs_dropout_prob: on the attention probabilities.</summary>
    public float AttentionDropout { get; init; } = 0.1f;
    public ulong Seed { get; init; }
}
