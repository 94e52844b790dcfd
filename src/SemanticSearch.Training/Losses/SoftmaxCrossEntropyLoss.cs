namespace SemanticSearch.Training.Losses;

/// <summary>
/// Cross-entropy over classification-head logits, torch.nn.functional.cross_entropy with optional class weights
/// and mean reduction: loss = Σ_i w_{y_i} (−log softmax(z_i)[y_i]) / Σ_i w_{y_i}.
/// dz_i = w_{y_i} (softmax(z_i) − onehot(y_i)) / Σ w.
/// </summary>
public static class SoftmaxCrossEntropyLoss
{
    /// <param name="logits">[rows, classes] row-major</param>
    /// <param name="labels">[rows] class indices</param>
    /// <param name="classWeights">[classes] or null for all ones</param>
    /// <param name="dLogits">[rows, classes], overwritten with dLoss/dLogits</param>
    public static double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes,
        ReadOnlySpan<float> classWeights, Span<float> dLogits)
    {
        int rows = labels.Length;
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "need at least one class");
        if (logits.Length != rows * classes)
            throw new ArgumentException($"logits have {logits.Length} values, expected rows*classes = {rows}*{classes}");
        if (dLogits.Length != logits.Length) throw new ArgumentException("dLogits must have the shape of logits");
        if (!classWeights.IsEmpty && classWeights.Length != classes)
            throw new ArgumentException($"{classWeights.Length} class weights for {classes} classes");

        var z = new double[classes];
        var p = new double[classes];
        double weighted = 0, weightSum = 0;
        for (int i = 0; i < rows; i++)
        {
            int target = labels[i];
            if (target < 0 || target >= classes)
                throw new ArgumentOutOfRangeException(nameof(labels), target, $"label of row {i} is outside 0..{classes - 1}");
            double w = classWeights.IsEmpty ? 1.0 : classWeights[target];
            for (int c = 0; c < classes; c++) z[c] = logits[i * classes + c];
            weighted += w * MultipleNegativesRankingLoss.CrossEntropyRow(z, target, p);
            weightSum += w;
            for (int c = 0; c < classes; c++) dLogits[i * classes + c] = (float)(w * (p[c] - (c == target ? 1 : 0)));
        }
        for (int k = 0; k < dLogits.Length; k++) dLogits[k] = (float)(dLogits[k] / weightSum);
        return weighted / weightSum;
    }
}
