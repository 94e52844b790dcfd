namespace SemanticSearch.Training.Losses;

/// <summary>
/// sentence-transformers' ContrastiveLoss with the cosine distance d = 1 − cos and size_average=True.
/// Labels are 1 (similar) or 0 (dissimilar).
///   loss_i = ½ (y_i d_i² + (1 − y_i) relu(margin − d_i)²),  loss = mean_i loss_i
///   dd_i   = (y_i d_i − (1 − y_i) relu(margin − d_i)) / B,  dcos_i = −dd_i
/// </summary>
public sealed class ContrastiveLoss : IEmbeddingLoss
{
    public ContrastiveLoss(double margin = 0.5) => Margin = margin;

    public double Margin { get; }
    public string Name => "ContrastiveLoss";

    public LossOutput Compute(EmbeddingBatch batch)
    {
        batch.RequireColumns(Name, 2, 2);
        var y = batch.RequireLabels(Name);
        int b = batch.Rows;
        var cos = new PairwiseCosine(batch);
        double loss = 0;
        var dCos = new double[b];
        for (int i = 0; i < b; i++)
        {
            double dist = 1 - cos.Cosines[i];
            double hinge = Math.Max(0, Margin - dist);
            loss += 0.5 * (y[i] * dist * dist + (1 - y[i]) * hinge * hinge) / b;
            double dDist = (y[i] * dist - (1 - y[i]) * hinge) / b;
            dCos[i] = -dDist;
        }
        return new LossOutput(loss, cos.Backward(dCos));
    }
}
