namespace SemanticSearch.Training.Losses;

/// <summary>
/// sentence-transformers' CoSENTLoss. Columns sentence1, sentence2 [B, D]; labels are gold scores.
///   s_i  = scale · cos(e1_i, e2_i)
///   loss = log(1 + Σ_{(i,j): y_i &lt; y_j} exp(s_i − s_j))
/// i.e. logsumexp over a 0 term and every pair whose gold order says s_j should exceed s_i. Pairs with
/// equal gold scores contribute nothing (strict &lt;), as the library's masking with −1e12 does.
/// </summary>
public sealed class CoSentLoss : IEmbeddingLoss
{
    public CoSentLoss(double scale = 20.0) => Scale = scale;

    public double Scale { get; }
    public string Name => "CoSENTLoss";

    public LossOutput Compute(EmbeddingBatch batch)
    {
        batch.RequireColumns(Name, 2, 2);
        var y = batch.RequireLabels(Name);
        int b = batch.Rows;
        var cos = new PairwiseCosine(batch);
        var s = new double[b];
        for (int i = 0; i < b; i++) s[i] = Scale * cos.Cosines[i];

        // Forward: logsumexp over {0} ∪ {s_i − s_j : y_i < y_j}, shifted by its max for stability.
        double max = 0;
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
                if (y[i] < y[j]) max = Math.Max(max, s[i] - s[j]);
        double sum = Math.Exp(-max);
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
                if (y[i] < y[j]) sum += Math.Exp(s[i] - s[j] - max);
        double loss = max + Math.Log(sum);

        // Backward: each pair term has softmax weight w_ij; d/ds_i += w_ij, d/ds_j −= w_ij; dcos = scale · ds.
        var dCos = new double[b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
            {
                if (!(y[i] < y[j])) continue;
                double w = Math.Exp(s[i] - s[j] - max) / sum;
                dCos[i] += Scale * w;
                dCos[j] -= Scale * w;
            }
        return new LossOutput(loss, cos.Backward(dCos));
    }
}
