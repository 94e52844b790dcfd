using SemanticSearch.Training.Evaluation;
using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Loop;

/// <summary>The losses `semsearch train --loss` offers, each with the data format it reads.</summary>
public enum TrainingLossKind
{
    /// <summary>MultipleNegativesRankingLoss over {"anchor","positive"[,"negative"]}; CachedMNRL with a mini-batch size.</summary>
    Mnrl,
    /// <summary>CoSENTLoss over {"sentence1","sentence2","score"}.</summary>
    CoSent,
    /// <summary>CosineSimilarityLoss over {"sentence1","sentence2","score"}.</summary>
    Cosine,
    /// <summary>ContrastiveLoss over {"sentence1","sentence2","label"}.</summary>
    Contrastive,
}

/// <summary>Settings of one fine-tuning run. Defaults follow sentence-transformers' fit().</summary>
public sealed record FineTuneOptions
{
    /// <summary>Receives the trained model, metrics.jsonl, training-chart.svg and checkpoints/ while running.</summary>
    public required string OutputDirectory { get; init; }
    public TrainingLossKind Loss { get; init; } = TrainingLossKind.Mnrl;
    /// <summary>Matryoshka prefix dimensions (e.g. 384,256,128,64); null trains the full embedding only.</summary>
    public IReadOnlyList<int>? MatryoshkaDims { get; init; }
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 32;
    /// <summary>Below <see cref="BatchSize"/>: GradCache (CachedMNRL) with activations for this many rows at a time.</summary>
    public int? MiniBatchSize { get; init; }
    public double LearningRate { get; init; } = 2e-5;
    public double WarmupRatio { get; init; } = 0.1;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Global gradient-norm clip; 0 or less disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public int GradientAccumulation { get; init; } = 1;
    public int FreezeLayers { get; init; }
    public bool FreezeEmbeddings { get; init; }
    /// <summary>Evaluate (and checkpoint) every N optimizer steps; 0 evaluates only before and after training.</summary>
    public int EvalSteps { get; init; }
    /// <summary>Stop after N evaluations without improvement and restore the best weights; 0 disables.</summary>
    public int EarlyStoppingPatience { get; init; }
    /// <summary>Write the resume checkpoint every N optimizer steps (also at every evaluation); 0 only at evaluations and cancellation.</summary>
    public int CheckpointSteps { get; init; } = 100;
    public int Seed { get; init; } = 42;
    /// <summary>Continue from OUTPUT/checkpoints/last.</summary>
    public bool Resume { get; init; }
    /// <summary>Consecutive steps with a non-finite loss or gradient after which the run fails.</summary>
    public int MaxConsecutiveNonFiniteSteps { get; init; } = 5;
    /// <summary>Texts per forward pass when evaluating.</summary>
    public int EvaluationBatchSize { get; init; } = 64;

    internal IEmbeddingLoss CreateLoss()
    {
        IEmbeddingLoss loss = Loss switch
        {
            TrainingLossKind.Mnrl => new MultipleNegativesRankingLoss(),
            TrainingLossKind.CoSent => new CoSentLoss(),
            TrainingLossKind.Cosine => new CosineSimilarityLoss(),
            TrainingLossKind.Contrastive => new ContrastiveLoss(),
            _ => throw new ArgumentOutOfRangeException(nameof(Loss), Loss, "unknown loss"),
        };
        return MatryoshkaDims is { Count: > 0 } dims ? new MatryoshkaLoss(loss, dims) : loss;
    }

    /// <summary>What must match for --resume to continue the same run (data order, schedule and loss depend on these).</summary>
    internal string RunSignature(int exampleCount, int totalSteps) =>
        $"loss={Loss};matryoshka={string.Join(",", MatryoshkaDims ?? [])};epochs={Epochs};batch={BatchSize};mini={MiniBatchSize};" +
        $"lr={LearningRate:R};warmup={WarmupRatio:R};wd={WeightDecay:R};clip={MaxGradNorm:R};accum={GradientAccumulation};" +
        $"freeze={FreezeLayers},{FreezeEmbeddings};seed={Seed};examples={exampleCount};steps={totalSteps}";
}

/// <summary>What a progress report is about.</summary>
public enum TrainingEventKind { Step, Evaluation, Warning, Checkpoint, Finished }

/// <summary>
/// One report from <see cref="FineTuner"/>: after every optimizer step, evaluation, warning (skipped non-finite
/// step), checkpoint and at the end. The CLI prints these on stderr; the gRPC service streams them.
/// </summary>
public sealed record TrainingProgress(
    TrainingEventKind Kind,
    long Step,
    long TotalSteps,
    int Epoch,
    double Loss,
    double LearningRate,
    double GradientNorm,
    double ExamplesPerSecond,
    TimeSpan? Eta,
    EvaluationResult? Evaluation = null,
    string? Message = null);

/// <summary>How a run ended.</summary>
public enum TrainingOutcome { Completed, EarlyStopped, Cancelled }

/// <summary>The end of a run. Before/After are null without an evaluator.</summary>
public sealed record FineTuneResult(
    TrainingOutcome Outcome,
    long Steps,
    long TotalSteps,
    EvaluationResult? Before,
    EvaluationResult? After,
    double? BestMetric,
    long? BestStep,
    TimeSpan Elapsed);

/// <summary>The run stopped because too many consecutive steps produced NaN/Inf; the message says where.</summary>
public sealed class TrainingDivergedException(string message) : InvalidOperationException(message);
