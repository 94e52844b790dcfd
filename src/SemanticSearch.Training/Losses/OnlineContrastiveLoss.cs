namespace SemanticSearch.Training.Losses;

/// <summary>
/// sentence-transformers' OnlineContrastiveLoss: the contrastive loss on hard pairs only, summed (not averaged),
/// without the ½ factor. With distances d = 1 − cos split by label:
///   hard negatives: label 0 and d &lt; max(d of positives)  (mean of negatives if at most one positive)
///   hard positives: label 1 and d &gt; min(d of negatives)  (mean of positives if at most one negative)
///   loss = Σ_hardpos d² + Σ_hardneg relu(margin − d)²
/// The selection is a mask: no gradient flows through the thresholds, as in the library.
/// </summary>
public sealed class OnlineContrastiveLoss : IEmbeddingLoss
{
    public OnlineContrastiveLoss(double margin = 0.5) => Margin = margin;

    public double Margin { get; }
    public string Name => "OnlineContrastiveLoss";

    public LossOutput Compute(EmbeddingBatch batch)
    {
        batch.RequireColumns(Name, 2, 2);
        var y = batch.RequireLabels(Name);
        int b = batch.Rows;
        var cos = new PairwiseCosine(batch);
        var dist = new double[b];
        var positives = new List<double>();
        var negatives = new List<double>();
        for (int i = 0; i < b; i++)
        {
            dist[i] = 1 - cos.Cosines[i];
            if (y[i] == 1) positives.Add(dist[i]);
            else if (y[i] == 0) negatives.Add(dist[i]);
            else throw new ArgumentException($"{Name}: label of row {i} is {y[i]}, expected 0 or 1");
        }
        // Mean of an empty set is NaN, and every comparison with NaN is false: no pairs selected, as in torch.
        double negativeThreshold = positives.Count > 1 ? positives.Max() : Mean(negatives);
        double positiveThreshold = negatives.Count > 1 ? negatives.Min() : Mean(positives);

        double loss = 0;
        var dCos = new double[b];
        for (int i = 0; i < b; i++)
        {
            if (y[i] == 1 && dist[i] > positiveThreshold)
            {
                loss += dist[i] * dist[i];
                dCos[i] = -2 * dist[i];
            }
            else if (y[i] == 0 && dist[i] < negativeThreshold)
            {
                double hinge = Math.Max(0, Margin - dist[i]);
                loss += hinge * hinge;
                dCos[i] = 2 * hinge; // d/dd relu(m−d)² = −2 relu(m−d); dcos = −dd
            }
        }
        return new LossOutput(loss, cos.Backward(dCos));
    }

    private static double Mean(List<double> values) => values.Count == 0 ? double.NaN : values.Average();
}
