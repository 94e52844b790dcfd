using SemanticSearch.Training.Optimization;

// The torch backend mirrors its moments into AdamW for checkpoints (AdamW.Restore) and reuses the loop's options.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SemanticSearch.Training.Torch")]

namespace SemanticSearch.Training.Loop;

/// <summary>
/// Where <see cref="FineTuner"/>'s arithmetic runs. The loop owns the data plan, batching, the schedule, evaluation,
/// early stopping, checkpoints/resume, metrics and the chart; a backend owns the weights and per step computes the
/// loss and gradients of the micro-batches, checks them, clips them and takes the AdamW step. Two exist:
/// <see cref="ManagedTrainingBackend"/> (our CPU engine, the default) and the libtorch one in
/// SemanticSearch.Training.Torch (TorchSharp; CPU or CUDA). Both save the same sentence-transformers folder.
/// </summary>
public interface ITrainingBackend
{
    /// <summary>Width of one output row.</summary>
    int Dimension { get; }

    /// <summary>Where the arithmetic runs, for logs and job status: "cpu" (managed), "torch:cpu", "torch:cuda:0".</summary>
    string Device { get; }

    void Freeze(bool embeddings, int bottomLayers);

    int[][] Tokenize(IReadOnlyList<string> texts);

    /// <summary>As <see cref="Tokenize"/> for search queries: the model's query prefix goes before each.</summary>
    int[][] TokenizeQueries(IReadOnlyList<string> queries);

    /// <summary>Creates the optimizer (decay/no-decay groups) and the loss for a run. Called once, after Freeze.</summary>
    void Begin(TrainingRunSetup setup);

    /// <summary>Number of parameters the optimizer updates (0 means everything is frozen).</summary>
    int TrainableParameterCount { get; }

    void ZeroGradients();

    /// <summary>Accumulates <paramref name="weight"/> · dLoss/dParameters of one micro-batch and returns its (unweighted) loss.</summary>
    double RunMicroBatch(int[] batch, double weight);

    /// <summary>The first NaN/Inf gradient, described for the warning; null when all are finite.</summary>
    string? FindNonFiniteGradient();

    /// <summary>Global L2 clip (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.</summary>
    double ClipGradients(double maxNorm);

    /// <summary>One AdamW step at <paramref name="learningRate"/>.</summary>
    void Step(double learningRate);

    /// <summary>Inference-mode (no dropout) outputs [sequences, Dimension] row-major.</summary>
    float[] Embed(IReadOnlyList<int[]> idSequences);

    /// <summary>Dropout stream position, saved in checkpoints so a resumed run draws the same masks.</summary>
    ulong DropoutStep { get; set; }

    void SaveLast(CheckpointStore store, LoopState state);
    LoopState LoadLast(CheckpointStore store);
    void SaveBest(CheckpointStore store);
    void RestoreBest(CheckpointStore store);

    /// <summary>Writes the model as a folder SentenceEncoder.Load reads.</summary>
    void SaveModel(string directory);
}

/// <summary>What a backend needs to set up a run: the options, the examples and every text's token ids.</summary>
public sealed record TrainingRunSetup(FineTuneOptions Options, TrainingExamples Examples, IReadOnlyDictionary<string, int[]> Tokens)
{
    /// <summary>The loss the managed engine computes for these options (the torch backend mirrors it).</summary>
    public Losses.IEmbeddingLoss CreateManagedLoss() => Options.CreateLoss();
}

/// <summary>
/// The managed CPU engine behind the seam: an <see cref="IFineTunableEncoder"/> (the real BERT graph or a test
/// double), <see cref="MicroBatchRunner"/> (plain or GradCache), the managed losses, clipping and AdamW.
/// </summary>
public sealed class ManagedTrainingBackend : ITrainingBackend
{
    private readonly IFineTunableEncoder _encoder;
    private IReadOnlyList<TrainableParameter> _parameters = [];
    private AdamW? _optimizer;
    private MicroBatchRunner? _runner;

    public ManagedTrainingBackend(IFineTunableEncoder encoder) => _encoder = encoder;

    public int Dimension => _encoder.Dimension;
    public string Device => "cpu";
    public int TrainableParameterCount => _parameters.Count;
    public ulong DropoutStep { get => _encoder.DropoutStep; set => _encoder.DropoutStep = value; }

    public void Freeze(bool embeddings, int bottomLayers) => _encoder.Freeze(embeddings, bottomLayers);
    public int[][] Tokenize(IReadOnlyList<string> texts) => _encoder.Tokenize(texts);
    public int[][] TokenizeQueries(IReadOnlyList<string> queries) => _encoder.TokenizeQueries(queries);

    public void Begin(TrainingRunSetup setup)
    {
        _parameters = _encoder.TrainableParameters;
        _optimizer = new AdamW(WeightDecayGrouping.Split(_parameters, setup.Options.WeightDecay));
        _runner = new MicroBatchRunner(_encoder, setup.CreateManagedLoss(), setup.Examples, setup.Tokens, setup.Options.MiniBatchSize);
    }

    private AdamW Optimizer => _optimizer ?? throw new InvalidOperationException("Begin must be called first");

    public void ZeroGradients() => Optimizer.ZeroGradients();
    public double RunMicroBatch(int[] batch, double weight) => _runner!.Run(batch, weight);
    public string? FindNonFiniteGradient() => NonFiniteGradientCheck.FindFirst(_parameters)?.ToString();
    public double ClipGradients(double maxNorm) => GradientClipping.ClipGlobalNorm(_parameters, maxNorm);
    public void Step(double learningRate) => Optimizer.Step(learningRate);
    public float[] Embed(IReadOnlyList<int[]> idSequences) => _encoder.Forward(idSequences, training: false);
    public void SaveLast(CheckpointStore store, LoopState state) => store.SaveLast(state, _parameters, Optimizer);
    public LoopState LoadLast(CheckpointStore store) => store.LoadLast(_parameters, Optimizer);
    public void SaveBest(CheckpointStore store) => store.SaveBest(_parameters);
    public void RestoreBest(CheckpointStore store) => store.RestoreBest(_parameters);
    public void SaveModel(string directory) => _encoder.SaveModel(directory);
}
