namespace SemanticSearch.Training.Classification;

/// <summary>How a head training run changes the encoder itself.</summary>
public enum ClassifierTrainingMode
{
    /// <summary>Encoder untouched; embeddings computed once, only the head learns.</summary>
    Frozen,
    /// <summary>Encoder and head trained together on the head's loss (cross-entropy / BCE).</summary>
    EndToEnd,
    /// <summary>SetFit: contrastive fine-tuning of the encoder on label-derived pairs, then a frozen-mode head.</summary>
    SetFit,
}

/// <summary>
/// Settings for the modes that train the encoder (end-to-end, SetFit). The head keeps its own
/// <see cref="HeadTrainingOptions"/> (learning rate, epochs, batch size, class weights, patience, seed): the encoder
/// is pretrained-scale and wants a learning rate ~50× smaller than a freshly initialised head.
/// </summary>
public sealed record EncoderTrainingOptions
{
    public double EncoderLearningRate { get; init; } = 2e-5;
    /// <summary>Freeze the embeddings and the bottom N transformer layers (0 trains everything).</summary>
    public int FreezeLayers { get; init; }
    public double WarmupRatio { get; init; } = 0.1;
    /// <summary>Global gradient-norm clip over encoder + head; 0 disables.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public float HiddenDropout { get; init; } = 0.1f;
    public float AttentionDropout { get; init; } = 0.1f;
    /// <summary>End-to-end: evaluate on validation data every N optimizer steps as well as after every epoch; 0 = epochs only.</summary>
    public int EvalSteps { get; init; }
    /// <summary>Stop after this many optimizer steps (0 = no cap): bounds a run to part of an epoch.</summary>
    public int MaxSteps { get; init; }
    /// <summary>SetFit: rounds of pair sampling (each gives every text one positive and one negative pair).</summary>
    public int SetFitIterations { get; init; } = 5;
    /// <summary>SetFit: at most this many texts per class take part in pair generation (0 = all); the head still sees every text.</summary>
    public int SetFitSamplesPerClass { get; init; }
    /// <summary>SetFit: pairs per optimizer step of the contrastive stage.</summary>
    public int SetFitBatchSize { get; init; } = 16;
    /// <summary>SetFit: the backend of the contrastive stage's fine-tuning loop (null: the managed engine; the torch one comes from Training.Torch).</summary>
    public Func<Model.SentenceEncoder, Encoder.TrainingGraphOptions, Loop.ITrainingBackend>? SetFitBackend { get; init; }
    /// <summary>End-to-end: first train a frozen-mode head (lr 1e-2, 30 epochs) and start from it ("linear probe, then fine-tune").</summary>
    public bool WarmStartHead { get; init; }
    /// <summary>Texts per forward pass when embedding for evaluation and for the frozen head.</summary>
    public int EncodeBatchSize { get; init; } = 64;

    public void Validate()
    {
        if (!(EncoderLearningRate > 0) || !double.IsFinite(EncoderLearningRate)) throw new ArgumentException($"encoder learning rate must be positive, got {EncoderLearningRate}");
        if (FreezeLayers < 0) throw new ArgumentException($"freeze-layers must be 0 or more, got {FreezeLayers}");
        if (WarmupRatio is < 0 or > 1) throw new ArgumentException($"warm-up ratio must be within [0, 1], got {WarmupRatio}");
        if (HiddenDropout is < 0 or >= 1 || AttentionDropout is < 0 or >= 1) throw new ArgumentException("dropout must be within [0, 1)");
        if (EvalSteps < 0 || MaxSteps < 0) throw new ArgumentException("eval-steps and max-steps must be 0 or more");
        if (SetFitIterations < 1) throw new ArgumentException($"setfit iterations must be at least 1, got {SetFitIterations}");
        if (SetFitSamplesPerClass < 0) throw new ArgumentException($"setfit samples per class must be 0 or more, got {SetFitSamplesPerClass}");
        if (SetFitBatchSize < 1 || EncodeBatchSize < 1) throw new ArgumentException("batch sizes must be at least 1");
    }
}
