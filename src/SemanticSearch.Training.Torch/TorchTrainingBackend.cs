using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Optimization;
using static TorchSharp.torch;

namespace SemanticSearch.Training.Torch;

/// <summary>
/// libtorch behind <see cref="ITrainingBackend"/>: the BERT pipeline (<see cref="TorchBertEncoder"/>), the loop's
/// losses (<see cref="TorchEmbeddingLosses"/>), GradCache, clipping and AdamW (<see cref="TorchAdamW"/>) all on the
/// device; weights and moments leave it only for checkpoints and the saved model, which use the managed formats
/// (CheckpointStore, the sentence-transformers folder), so a run can be checkpointed here and its model served by the
/// managed engine. Not thread-safe: one backend per run.
/// </summary>
public sealed class TorchTrainingBackend : ITrainingBackend, IDisposable
{
    private readonly TorchBertEncoder _model;
    private readonly TorchDevice _device;
    private TrainingRunSetup? _setup;
    private Func<Tensor, Tensor?, int, Tensor>? _loss;
    private TorchAdamW? _optimizer;
    private IReadOnlyList<TrainableParameter> _trainable = [];
    private AdamW? _checkpointMirror;

    public TorchTrainingBackend(SentenceEncoder encoder, TrainingGraphOptions options, TorchDevice device)
    {
        _device = device;
        _model = new TorchBertEncoder(encoder, options, device.Open());
    }

    public TorchBertEncoder Model => _model;
    public int Dimension => _model.Dimension;
    public string Device => $"torch:{_device}";
    public int TrainableParameterCount => _trainable.Count;
    public ulong DropoutStep { get => _model.DropoutStep; set => _model.DropoutStep = value; }

    public void Freeze(bool embeddings, int bottomLayers)
    {
        if (embeddings) _model.Graph.FreezeEmbeddings();
        if (bottomLayers > 0) _model.Graph.FreezeBottomLayers(bottomLayers);
        _model.SyncFrozen();
    }

    public int[][] Tokenize(IReadOnlyList<string> texts) => _model.Encoder.Tokenize(texts);
    public int[][] TokenizeQueries(IReadOnlyList<string> queries) => _model.Encoder.TokenizeQueries(queries);

    public void Begin(TrainingRunSetup setup)
    {
        _setup = setup;
        _loss = TorchEmbeddingLosses.For(setup.Options);
        _trainable = _model.Graph.UnfrozenParameters();
        _optimizer?.Dispose();
        _optimizer = new TorchAdamW(_trainable.Select(p => (p.Name, _model[p.Name])), setup.Options.WeightDecay);
        _checkpointMirror = null;
    }

    private TorchAdamW Optimizer => _optimizer ?? throw new InvalidOperationException("Begin must be called first");

    public void ZeroGradients() => Optimizer.ZeroGradients();
    public string? FindNonFiniteGradient() => Optimizer.FindNonFinite();
    public double ClipGradients(double maxNorm) => Optimizer.ClipGlobalNorm(maxNorm);
    public void Step(double learningRate) => Optimizer.Step(learningRate);
    public float[] Embed(IReadOnlyList<int[]> idSequences) => _model.Embed(idSequences);

    public double RunMicroBatch(int[] batch, double weight)
    {
        var setup = _setup ?? throw new InvalidOperationException("Begin must be called first");
        using var scope = NewDisposeScope();
        var labels = setup.Examples.Labels is { } all ? tensor(batch.Select(i => all[i]).ToArray(), device: _model.Device) : null;
        int rows = batch.Length;
        if (setup.Options.MiniBatchSize is int mini && mini < rows) return RunCached(batch, labels, mini, weight);
        var output = _model.Forward(Pack(batch, 0, rows), training: true);          // [C·B, D]
        var loss = _loss!(output, labels, rows);
        (weight == 1.0 ? loss : loss.mul(weight)).backward();
        return loss.cpu().item<float>();
    }

    /// <summary>
    /// GradCache: embed the mini-batches without a graph, take the loss and dLoss/dEmbeddings on the full batch, then
    /// replay each mini-batch's forward from its dropout position and backpropagate its slice of that gradient.
    /// </summary>
    private double RunCached(int[] batch, Tensor? labels, int mini, double weight)
    {
        int rows = batch.Length, columns = _setup!.Examples.Columns.Count;
        var ranges = new List<(int Start, int Count)>();
        for (int start = 0; start < rows; start += mini) ranges.Add((start, Math.Min(mini, rows - start)));
        var dropoutAt = new ulong[ranges.Count];
        var chunks = Enumerable.Range(0, columns).Select(_ => new List<Tensor>()).ToArray();
        using (no_grad())
            for (int r = 0; r < ranges.Count; r++)
            {
                var (start, count) = ranges[r];
                dropoutAt[r] = DropoutStep;
                var output = _model.Forward(Pack(batch, start, count), training: true);
                for (int c = 0; c < columns; c++) chunks[c].Add(output.narrow(0, (long)c * count, count));
            }
        ulong dropoutAfter = DropoutStep;
        var embeddings = cat(chunks.Select(c => cat(c, 0)).ToArray(), 0).detach().requires_grad_(true);   // [C·B, D]
        var loss = _loss!(embeddings, labels, rows);
        loss.backward();
        var cached = embeddings.grad!.mul(weight);
        for (int r = 0; r < ranges.Count; r++)
        {
            var (start, count) = ranges[r];
            DropoutStep = dropoutAt[r];
            var output = _model.Forward(Pack(batch, start, count), training: true);
            var slice = cat(Enumerable.Range(0, columns).Select(c => cached.narrow(0, (long)c * rows + start, count)).ToArray(), 0);
            output.mul(slice).sum().backward();
        }
        DropoutStep = dropoutAfter;
        return loss.cpu().item<float>();
    }

    /// <summary>Token ids of rows [start, start+count) of the batch, column after column (the managed runner's order).</summary>
    private List<int[]> Pack(int[] batch, int start, int count)
    {
        var columns = _setup!.Examples.Columns;
        var sequences = new List<int[]>(count * columns.Count);
        foreach (var column in columns)
            for (int r = start; r < start + count; r++) sequences.Add(_setup.Tokens[column[batch[r]]]);
        return sequences;
    }

    // Checkpoints go through the managed formats: weights into the encoder's arrays, moments into a managed AdamW.
    private AdamW Mirror => _checkpointMirror ??= new AdamW(WeightDecayGrouping.Split(_trainable, _setup!.Options.WeightDecay));

    public void SaveLast(CheckpointStore store, LoopState state)
    {
        _model.CopyToManaged(_trainable);
        using (NewDisposeScope())
            foreach (var (name, m, v) in Optimizer.Moments)
                Mirror.Restore(Optimizer.StepCount, name, m.cpu().data<float>().ToArray(), v.cpu().data<float>().ToArray());
        store.SaveLast(state, _trainable, Mirror);
    }

    public LoopState LoadLast(CheckpointStore store)
    {
        var state = store.LoadLast(_trainable, Mirror);
        _model.CopyFromManaged(_trainable);
        using (NewDisposeScope())
        using (no_grad())
            foreach (var (name, m, v) in Optimizer.Moments)
            {
                var (expAvg, expAvgSq) = Mirror.State(name);
                m.copy_(tensor(expAvg, m.shape, device: _model.Device));
                v.copy_(tensor(expAvgSq, v.shape, device: _model.Device));
            }
        Optimizer.StepCount = Mirror.StepCount;
        return state;
    }

    public void SaveBest(CheckpointStore store)
    {
        _model.CopyToManaged(_trainable);
        store.SaveBest(_trainable);
    }

    public void RestoreBest(CheckpointStore store)
    {
        store.RestoreBest(_trainable);
        _model.CopyFromManaged(_trainable);
    }

    public void SaveModel(string directory)
    {
        _model.CopyToManaged();
        _model.Encoder.Save(directory);
    }

    public void Dispose()
    {
        _optimizer?.Dispose();
        _model.Dispose();
    }
}
