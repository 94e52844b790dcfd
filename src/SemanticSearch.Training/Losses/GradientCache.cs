namespace SemanticSearch.Training.Losses;

/// <summary>
/// GradCache (Gao et al., 2021) as CachedMultipleNegativesRankingLoss uses it: the in-batch-negative loss sees the
/// whole large batch, while the encoder only ever holds activations for one mini-batch.
///
/// Contract with the training loop, per optimizer step:
///  1. Embed every mini-batch of every column WITHOUT keeping activations; write the rows into one full batch.
///  2. <see cref="Compute"/> the loss on the full batch: this caches dLoss/dEmbedding for every row of every column.
///  3. For each mini-batch: re-run the encoder forward WITH activations, check the rows with
///     <see cref="VerifyReproduced"/>, and backpropagate <see cref="MiniBatchGradient"/> as the upstream gradient of
///     that mini-batch's embeddings, accumulating parameter gradients. Since the loss depends on parameters only
///     through the embeddings, the accumulated sum equals the full-batch gradient.
/// The re-run must reproduce step 1's embeddings exactly (same dropout masks: sentence-transformers restores the RNG
/// state with RandContext); otherwise the cached gradient belongs to other embeddings and the update is wrong.
/// </summary>
public sealed class GradientCache
{
    private readonly IEmbeddingLoss _loss;
    private EmbeddingBatch? _batch;
    private LossOutput? _output;

    public GradientCache(IEmbeddingLoss loss, int miniBatchSize)
    {
        if (miniBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(miniBatchSize), miniBatchSize, "must be positive");
        _loss = loss;
        MiniBatchSize = miniBatchSize;
    }

    public int MiniBatchSize { get; }

    /// <summary>Row ranges [start, start+count) of the mini-batches for a batch of <paramref name="rows"/> rows.</summary>
    public IReadOnlyList<(int Start, int Count)> MiniBatches(int rows)
    {
        var ranges = new List<(int, int)>();
        for (int start = 0; start < rows; start += MiniBatchSize) ranges.Add((start, Math.Min(MiniBatchSize, rows - start)));
        return ranges;
    }

    /// <summary>Step 2: loss over the full batch; caches the gradient of every embedding row.</summary>
    public double Compute(EmbeddingBatch fullBatch)
    {
        _output = _loss.Compute(fullBatch);
        _batch = fullBatch;
        return _output.Loss;
    }

    /// <summary>Cached dLoss/dEmbedding of rows [start, start+count) of one column: [count, Dim].</summary>
    public ReadOnlySpan<float> MiniBatchGradient(int column, int start, int count)
    {
        var (batch, output) = Require();
        CheckRange(batch, column, start, count);
        return output.Gradients[column].AsSpan(start * batch.Dim, count * batch.Dim);
    }

    /// <summary>
    /// Throws when re-computed embeddings differ from those the gradient was cached for by more than
    /// <paramref name="tolerance"/> (absolute, per element), naming the first differing row and dimension.
    /// </summary>
    public void VerifyReproduced(int column, int start, ReadOnlySpan<float> recomputed, float tolerance = 1e-5f)
    {
        var (batch, _) = Require();
        int count = recomputed.Length / batch.Dim;
        if (recomputed.Length != count * batch.Dim)
            throw new ArgumentException($"{recomputed.Length} floats is not a whole number of rows of dimension {batch.Dim}");
        CheckRange(batch, column, start, count);
        var cached = batch.Columns[column].AsSpan(start * batch.Dim, recomputed.Length);
        for (int k = 0; k < recomputed.Length; k++)
        {
            if (!(Math.Abs(cached[k] - recomputed[k]) <= tolerance))
                throw new InvalidOperationException(
                    $"GradCache: column {column} row {start + k / batch.Dim} dim {k % batch.Dim} re-computed as {recomputed[k]} " +
                    $"but cached as {cached[k]}: the encoder is not deterministic between passes (dropout RNG not restored?)");
        }
    }

    private (EmbeddingBatch, LossOutput) Require() =>
        _batch is null || _output is null
            ? throw new InvalidOperationException("GradCache: call Compute on the full batch before reading gradients")
            : (_batch, _output);

    private static void CheckRange(EmbeddingBatch batch, int column, int start, int count)
    {
        if (column < 0 || column >= batch.Columns.Count)
            throw new ArgumentOutOfRangeException(nameof(column), column, $"batch has {batch.Columns.Count} columns");
        if (start < 0 || count < 0 || start + count > batch.Rows)
            throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) outside the batch of {batch.Rows}");
    }
}
