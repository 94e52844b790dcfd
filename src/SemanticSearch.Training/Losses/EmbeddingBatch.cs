namespace SemanticSearch.Training.Losses;

/// <summary>
/// Pooled sentence embeddings of one training batch, as the losses see them: one or more columns
/// (e.g. anchor, positive, hard negative; or sentence1, sentence2), each row-major [Rows, Dim], plus
/// an optional per-row label (gold score or 0/1 class). Embeddings are unnormalized; every loss that
/// uses cosine similarity normalizes internally and backpropagates through the normalization.
/// </summary>
public sealed class EmbeddingBatch
{
    public EmbeddingBatch(int rows, int dim, IReadOnlyList<float[]> columns, IReadOnlyList<float>? labels = null)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "a batch needs at least one row");
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "embedding dimension must be positive");
        if (columns.Count == 0) throw new ArgumentException("a batch needs at least one embedding column", nameof(columns));
        for (int c = 0; c < columns.Count; c++)
        {
            if (columns[c].Length != rows * dim)
                throw new ArgumentException(
                    $"column {c} has {columns[c].Length} floats, expected rows*dim = {rows}*{dim} = {rows * dim}", nameof(columns));
        }
        if (labels is not null && labels.Count != rows)
            throw new ArgumentException($"{labels.Count} labels for {rows} rows", nameof(labels));
        Rows = rows;
        Dim = dim;
        Columns = columns;
        Labels = labels;
    }

    public int Rows { get; }
    public int Dim { get; }
    public IReadOnlyList<float[]> Columns { get; }
    public IReadOnlyList<float>? Labels { get; }

    /// <summary>The labels, or an error naming the loss that needs them.</summary>
    public IReadOnlyList<float> RequireLabels(string lossName) =>
        Labels ?? throw new ArgumentException($"{lossName} needs a label per row, but the batch has none");

    public void RequireColumns(string lossName, int min, int max)
    {
        if (Columns.Count < min || Columns.Count > max)
            throw new ArgumentException(
                $"{lossName} takes {(min == max ? min.ToString() : $"{min}..{max}")} embedding columns, the batch has {Columns.Count}");
    }

    /// <summary>
    /// Copies the first <paramref name="dim"/> dimensions of every row (Matryoshka truncation; no renormalization,
    /// the cosine losses normalize the prefix themselves).
    /// </summary>
    public EmbeddingBatch TruncateDims(int dim)
    {
        if (dim <= 0 || dim > Dim)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"truncation must be within 1..{Dim}");
        var truncated = new float[Columns.Count][];
        for (int c = 0; c < Columns.Count; c++)
        {
            truncated[c] = new float[Rows * dim];
            for (int r = 0; r < Rows; r++)
                Columns[c].AsSpan(r * Dim, dim).CopyTo(truncated[c].AsSpan(r * dim, dim));
        }
        return new EmbeddingBatch(Rows, dim, truncated, Labels);
    }
}

/// <summary>Scalar loss and dLoss/dColumn for every column of the batch (same shapes as the columns).</summary>
public sealed class LossOutput
{
    public LossOutput(double loss, float[][] gradients)
    {
        Loss = loss;
        Gradients = gradients;
    }

    public double Loss { get; }
    public float[][] Gradients { get; }
}

/// <summary>A loss over pooled embeddings: forward and backward in one call.</summary>
public interface IEmbeddingLoss
{
    string Name { get; }
    LossOutput Compute(EmbeddingBatch batch);
}
