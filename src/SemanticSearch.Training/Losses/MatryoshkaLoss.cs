namespace SemanticSearch.Training.Losses;

/// <summary>
/// sentence-transformers' MatryoshkaLoss: the inner loss applied to the first d dimensions of every column for each
/// d in <c>dims</c>, weighted and summed: loss = Σ_d w_d · inner(x[:, :d]). Gradients land on each truncated
/// prefix and add up there; dimension k receives contributions from every d &gt; k.
/// </summary>
public sealed class MatryoshkaLoss : IEmbeddingLoss
{
    private readonly IEmbeddingLoss _inner;
    private readonly int[] _dims;
    private readonly double[] _weights;

    public MatryoshkaLoss(IEmbeddingLoss inner, IReadOnlyList<int> dims, IReadOnlyList<double>? weights = null)
    {
        if (dims.Count == 0) throw new ArgumentException("Matryoshka needs at least one dimension", nameof(dims));
        if (weights is not null && weights.Count != dims.Count)
            throw new ArgumentException($"{weights.Count} weights for {dims.Count} Matryoshka dimensions", nameof(weights));
        foreach (int d in dims)
            if (d <= 0) throw new ArgumentOutOfRangeException(nameof(dims), d, "Matryoshka dimensions must be positive");
        _inner = inner;
        _dims = dims.ToArray();
        _weights = weights?.ToArray() ?? Enumerable.Repeat(1.0, dims.Count).ToArray();
    }

    public string Name => $"MatryoshkaLoss({_inner.Name})";

    public LossOutput Compute(EmbeddingBatch batch)
    {
        foreach (int d in _dims)
            if (d > batch.Dim)
                throw new ArgumentException($"{Name}: dimension {d} exceeds the embedding dimension {batch.Dim}");
        int rows = batch.Rows, dim = batch.Dim;
        var grads = new float[batch.Columns.Count][];
        for (int c = 0; c < grads.Length; c++) grads[c] = new float[rows * dim];
        double loss = 0;
        for (int m = 0; m < _dims.Length; m++)
        {
            int d = _dims[m];
            double w = _weights[m];
            var inner = _inner.Compute(d == dim ? batch : batch.TruncateDims(d));
            loss += w * inner.Loss;
            // Scatter the [rows, d] gradient into the prefix of each [rows, dim] row.
            for (int c = 0; c < grads.Length; c++)
                for (int r = 0; r < rows; r++)
                    for (int k = 0; k < d; k++)
                        grads[c][r * dim + k] += (float)(w * inner.Gradients[c][r * d + k]);
        }
        return new LossOutput(loss, grads);
    }
}
