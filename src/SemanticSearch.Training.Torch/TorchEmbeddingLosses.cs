using SemanticSearch.Training.Loop;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SemanticSearch.Training.Torch;

/// <summary>
/// The loop's losses over a packed output [C·B, D] (column after column: anchors, positives, hard negatives; or
/// sentence1, sentence2), written as sentence-transformers writes them, with autograd giving the backward. The
/// managed versions (SemanticSearch.Training.Losses) hand-derive the same formulas; the parity tests hold the two
/// together. Scale 20 (MNRL, CoSENT) and margin 0.5 (contrastive) are the managed defaults.
/// </summary>
internal static class TorchEmbeddingLosses
{
    public const double Scale = 20.0, Margin = 0.5;

    public static Func<Tensor, Tensor?, int, Tensor> For(FineTuneOptions options)
    {
        Func<Tensor, Tensor?, int, Tensor> inner = options.Loss switch
        {
            TrainingLossKind.Mnrl => (e, _, rows) => MultipleNegativesRanking(e, rows),
            TrainingLossKind.CoSent => (e, y, rows) => CoSent(e, y!, rows),
            TrainingLossKind.Cosine => (e, y, rows) => CosineSimilarity(e, y!, rows),
            TrainingLossKind.Contrastive => (e, y, rows) => Contrastive(e, y!, rows),
            _ => throw new NotSupportedException($"the torch backend has no {options.Loss} loss"),
        };
        if (options.MatryoshkaDims is not { Count: > 0 } dims) return inner;
        // MatryoshkaLoss: the inner loss on each prefix of the embedding, summed with weight 1 (no renormalization:
        // the cosine losses normalize the prefix themselves).
        return (e, y, rows) => dims.Select(d => inner(e.narrow(1, 0, d), y, rows)).Aggregate((a, b) => a + b);
    }

    /// <summary>mean_i CE(scale · cos(anchor_i, candidates), i); candidates = positives then every hard-negative column.</summary>
    public static Tensor MultipleNegativesRanking(Tensor embeddings, int rows)
    {
        var anchors = F.normalize(embeddings.narrow(0, 0, rows), p: 2, dim: 1);
        var candidates = F.normalize(embeddings.narrow(0, rows, embeddings.shape[0] - rows), p: 2, dim: 1);
        var scores = anchors.matmul(candidates.t()).mul(Scale);                        // [B, B·(C−1)]
        return F.cross_entropy(scores, arange(rows, dtype: ScalarType.Int64, device: embeddings.device));
    }

    /// <summary>log(1 + Σ_{y_i &lt; y_j} exp(s_i − s_j)), s = scale · cos(e1, e2).</summary>
    public static Tensor CoSent(Tensor embeddings, Tensor labels, int rows)
    {
        var s = PairCosines(embeddings, rows).mul(Scale);
        var diff = s.unsqueeze(1) - s.unsqueeze(0);                                     // [B, B]: s_i − s_j
        var ordered = labels.unsqueeze(1).lt(labels.unsqueeze(0));                       // y_i < y_j
        var terms = diff.masked_fill(ordered.logical_not(), -1e12).view(-1);
        return cat([zeros(1, dtype: terms.dtype, device: terms.device), terms]).logsumexp(0);
    }

    /// <summary>mean_i (cos_i − y_i)².</summary>
    public static Tensor CosineSimilarity(Tensor embeddings, Tensor labels, int rows) => F.mse_loss(PairCosines(embeddings, rows), labels);

    /// <summary>mean_i ½ (y_i d_i² + (1 − y_i) relu(margin − d_i)²), d = 1 − cos.</summary>
    public static Tensor Contrastive(Tensor embeddings, Tensor labels, int rows)
    {
        var d = PairCosines(embeddings, rows).neg().add(1);
        var loss = labels.mul(d.pow(2)) + labels.neg().add(1).mul(F.relu(d.neg().add(Margin)).pow(2));
        return loss.mul(0.5).mean();
    }

    private static Tensor PairCosines(Tensor embeddings, int rows) =>
        F.cosine_similarity(embeddings.narrow(0, 0, rows), embeddings.narrow(0, rows, rows), 1, 1e-12);
}
