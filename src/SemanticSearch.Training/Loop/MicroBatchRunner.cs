using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// Loss and parameter gradients of one micro-batch. Plain: all columns (anchors, positives, negatives) go through ONE
/// packed forward, the loss gives dLoss/dEmbeddings, ONE backward accumulates parameter gradients. GradCache (when the
/// batch is larger than the mini-batch size): embed mini-batches, compute the loss on the full batch, then replay each
/// mini-batch's forward with the same dropout stream position and backpropagate its slice of the cached gradient —
/// the accumulated gradient equals the full batch's while activations exist for one mini-batch only.
/// </summary>
internal sealed class MicroBatchRunner
{
    private readonly IFineTunableEncoder _encoder;
    private readonly IEmbeddingLoss _loss;
    private readonly TrainingExamples _examples;
    private readonly IReadOnlyDictionary<string, int[]> _tokens;
    private readonly int? _miniBatchSize;

    public MicroBatchRunner(IFineTunableEncoder encoder, IEmbeddingLoss loss, TrainingExamples examples,
        IReadOnlyDictionary<string, int[]> tokens, int? miniBatchSize)
    {
        _encoder = encoder;
        _loss = loss;
        _examples = examples;
        _tokens = tokens;
        _miniBatchSize = miniBatchSize;
    }

    /// <summary>Accumulates <paramref name="weight"/> · dLoss/dParameters and returns the (unweighted) loss.</summary>
    public double Run(int[] batch, double weight)
    {
        int rows = batch.Length, columns = _examples.Columns.Count, dim = _encoder.Dimension;
        float[]? labels = _examples.Labels is { } all ? batch.Select(i => all[i]).ToArray() : null;
        if (_miniBatchSize is int mini && mini < rows) return RunCached(batch, labels, mini, weight);

        var output = _encoder.Forward(Pack(batch, 0, rows), training: true);
        var embeddings = new float[columns][];
        for (int c = 0; c < columns; c++) embeddings[c] = output.AsSpan(c * rows * dim, rows * dim).ToArray();
        var result = _loss.Compute(new EmbeddingBatch(rows, dim, embeddings, labels));
        var dOutput = new float[output.Length];
        for (int c = 0; c < columns; c++) Scale(result.Gradients[c], weight, dOutput.AsSpan(c * rows * dim, rows * dim));
        _encoder.Backward(dOutput);
        return result.Loss;
    }

    private double RunCached(int[] batch, float[]? labels, int miniBatchSize, double weight)
    {
        int rows = batch.Length, columns = _examples.Columns.Count, dim = _encoder.Dimension;
        var cache = new GradientCache(_loss, miniBatchSize);
        var ranges = cache.MiniBatches(rows);
        var full = Enumerable.Range(0, columns).Select(_ => new float[rows * dim]).ToArray();
        var dropoutAt = new ulong[ranges.Count];
        // Pass 1: embeddings of every mini-batch (their activations are dropped by the next forward).
        for (int r = 0; r < ranges.Count; r++)
        {
            var (start, count) = ranges[r];
            dropoutAt[r] = _encoder.DropoutStep;
            var output = _encoder.Forward(Pack(batch, start, count), training: true);
            for (int c = 0; c < columns; c++)
                output.AsSpan(c * count * dim, count * dim).CopyTo(full[c].AsSpan(start * dim));
        }
        ulong dropoutAfter = _encoder.DropoutStep;
        double loss = cache.Compute(new EmbeddingBatch(rows, dim, full, labels));
        // Pass 2: replay each mini-batch with its dropout masks and backpropagate its slice of the cached gradient.
        for (int r = 0; r < ranges.Count; r++)
        {
            var (start, count) = ranges[r];
            _encoder.DropoutStep = dropoutAt[r];
            var output = _encoder.Forward(Pack(batch, start, count), training: true);
            var dOutput = new float[output.Length];
            for (int c = 0; c < columns; c++)
            {
                cache.VerifyReproduced(c, start, output.AsSpan(c * count * dim, count * dim));
                Scale(cache.MiniBatchGradient(c, start, count), weight, dOutput.AsSpan(c * count * dim, count * dim));
            }
            _encoder.Backward(dOutput);
        }
        _encoder.DropoutStep = dropoutAfter;
        return loss;
    }

    /// <summary>Token ids of rows [start, start+count) of the batch, column after column.</summary>
    private List<int[]> Pack(int[] batch, int start, int count)
    {
        var sequences = new List<int[]>(count * _examples.Columns.Count);
        foreach (var column in _examples.Columns)
            for (int r = start; r < start + count; r++) sequences.Add(_tokens[column[batch[r]]]);
        return sequences;
    }

    private static void Scale(ReadOnlySpan<float> source, double weight, Span<float> destination)
    {
        if (weight == 1.0) { source.CopyTo(destination); return; }
        for (int i = 0; i < source.Length; i++) destination[i] = (float)(source[i] * weight);
    }
}
