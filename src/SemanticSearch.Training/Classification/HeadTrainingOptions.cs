using SemanticSearch.Model.Heads;

namespace SemanticSearch.Training.Classification;

/// <summary>How a head is trained on cached (frozen-encoder) embeddings.</summary>
public sealed record HeadTrainingOptions
{
    /// <summary>Width of the optional hidden layer; null = a single linear layer.</summary>
    public int? HiddenSize { get; init; }
    public HeadActivation Activation { get; init; } = HeadActivation.Relu;
    public bool MultiLabel { get; init; }
    public int Epochs { get; init; } = 30;
    public double LearningRate { get; init; } = 1e-2;
    public int BatchSize { get; init; } = 32;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Weight each class by n / (classes · count(class)), as scikit-learn's class_weight="balanced".</summary>
    public bool BalancedClassWeights { get; init; }
    public int Seed { get; init; } = 42;
    /// <summary>Epochs without a better validation macro-F1 before stopping; the best epoch's weights are kept.</summary>
    public int Patience { get; init; } = 5;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"learning rate must be positive, got {LearningRate}");
        if (HiddenSize is < 1) throw new ArgumentException($"hidden size must be at least 1, got {HiddenSize}");
        if (Patience < 1) throw new ArgumentException($"patience must be at least 1, got {Patience}");
    }
}
