namespace SemanticSearch.Training.Losses;

/// <summary>
/// sentence-transformers' MultipleNegativesRankingLoss (and, with <c>symmetric</c>, MultipleNegativesSymmetricRankingLoss).
/// Columns: anchors [B, D], positives [B, D], optionally one or more hard-negative columns [B, D].
/// Candidates are the positives followed by every hard-negative column (torch.cat along the batch axis), so
/// anchor i scores against all B·(C-1) candidates and its target is candidate i:
///   S = scale · cos(anchors, candidates)            [B, N], N = B·(columns-1)
///   forward  = mean_i CE(S[i, :], i)
///   backward = mean_j CE(S[:B, j] over anchors, j)   (symmetric only: each positive picks its anchor)
///   loss     = forward, or (forward + backward) / 2
/// </summary>
public sealed class MultipleNegativesRankingLoss : IEmbeddingLoss
{
    public MultipleNegativesRankingLoss(double scale = 20.0, bool symmetric = false)
    {
        Scale = scale;
        Symmetric = symmetric;
    }

    public double Scale { get; }
    public bool Symmetric { get; }
    public string Name => Symmetric ? "MultipleNegativesSymmetricRankingLoss" : "MultipleNegativesRankingLoss";

    public LossOutput Compute(EmbeddingBatch batch)
    {
        batch.RequireColumns(Name, 2, int.MaxValue);
        int b = batch.Rows, d = batch.Dim, candidateColumns = batch.Columns.Count - 1, n = b * candidateColumns;

        // Forward: normalize anchors U [B, D] and candidates V [N, D], S = scale · U Vᵀ [B, N].
        var u = RowNormalization.Forward(batch.Columns[0], b, d, out var nu);
        var v = new double[n * d];
        var nv = new double[n];
        for (int c = 0; c < candidateColumns; c++)
        {
            var vc = RowNormalization.Forward(batch.Columns[c + 1], b, d, out var nvc);
            vc.CopyTo(v, c * b * d);
            nvc.CopyTo(nv, c * b);
        }
        var s = new double[b * n];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += u[i * d + k] * v[j * d + k];
                s[i * n + j] = Scale * dot;
            }

        // dS [B, N]: softmax minus one-hot, averaged over rows; halved when the symmetric term shares the loss.
        var ds = new double[b * n];
        double weight = Symmetric ? 0.5 : 1.0;
        double forward = 0;
        var p = new double[n];
        for (int i = 0; i < b; i++)
        {
            forward += CrossEntropyRow(s.AsSpan(i * n, n), i, p);
            for (int j = 0; j < n; j++) ds[i * n + j] += weight * (p[j] - (j == i ? 1 : 0)) / b;
        }
        forward /= b;
        double loss = forward;

        if (Symmetric)
        {
            // Positive j against all anchors: column j of the positives block S[:, :B].
            double backward = 0;
            var column = new double[b];
            var q = new double[b];
            for (int j = 0; j < b; j++)
            {
                for (int i = 0; i < b; i++) column[i] = s[i * n + j];
                backward += CrossEntropyRow(column, j, q);
                for (int i = 0; i < b; i++) ds[i * n + j] += weight * (q[i] - (i == j ? 1 : 0)) / b;
            }
            backward /= b;
            loss = (forward + backward) / 2;
        }

        // Backward through S = scale · U Vᵀ: dU = scale · dS V [B, D], dV = scale · dSᵀ U [N, D].
        var du = new double[b * d];
        var dv = new double[n * d];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < n; j++)
            {
                double g = Scale * ds[i * n + j];
                if (g == 0) continue;
                for (int k = 0; k < d; k++)
                {
                    du[i * d + k] += g * v[j * d + k];
                    dv[j * d + k] += g * u[i * d + k];
                }
            }

        var grads = new float[batch.Columns.Count][];
        grads[0] = new float[b * d];
        RowNormalization.Backward(u, nu, du, grads[0], b, d);
        for (int c = 0; c < candidateColumns; c++)
        {
            grads[c + 1] = new float[b * d];
            RowNormalization.Backward(v.AsSpan(c * b * d, b * d), nv.AsSpan(c * b, b), dv.AsSpan(c * b * d, b * d),
                grads[c + 1], b, d);
        }
        return new LossOutput(loss, grads);
    }

    /// <summary>-log softmax(logits)[target]; writes the softmax into <paramref name="probabilities"/>.</summary>
    internal static double CrossEntropyRow(ReadOnlySpan<double> logits, int target, Span<double> probabilities)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < logits.Length; j++) max = Math.Max(max, logits[j]);
        double sum = 0;
        for (int j = 0; j < logits.Length; j++)
        {
            probabilities[j] = Math.Exp(logits[j] - max);
            sum += probabilities[j];
        }
        for (int j = 0; j < logits.Length; j++) probabilities[j] /= sum;
        return max + Math.Log(sum) - logits[target];
    }
}
