namespace SemanticSearch.Training.Encoder;

/// <summary>Dropout rates and the seed of the counter-based dropout masks.</summary>
public sealed class TrainingGraphOptions
{
    /// <summary>HF hidden_dropout_prob: after the embeddings, the attention output projection and the FFN output.</summary>
    public float HiddenDropout { get; init; } = 0.1f;
    /// <summary>HF attention_probs_dropout_prob: on the attention probabilities.</summary>
    public float AttentionDropout { get; init; } = 0.1f;
    public ulong Seed { get; init; }
}
