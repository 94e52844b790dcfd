namespace SemanticSearch.Training.Losses;

/// <summary>
/// sentence-transformers' CosineSimilarityLoss: MSE between cos(e1_i, e2_i) and the gold score y_i.
///   loss = mean_i (cos_i − y_i)²,  dcos_i = 2 (cos_i − y_i) / B
/// </summary>
public sealed class CosineSimilarityLoss : IEmbeddingLoss
{
    public string Name => "CosineSimilarityLoss";

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
            double diff = cos.Cosines[i] - y[i];
            loss += diff * diff / b;
            dCos[i] = 2 * diff / b;
        }
        return new LossOutput(loss, cos.Backward(dCos));
    }
}
