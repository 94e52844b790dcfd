using SemanticSearch.Model.Heads;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// Chooses a head's decision threshold on validation data. Candidates are 0, 0.01, …, 0.99; the one with the
/// highest macro-F1 wins, the lowest threshold on ties. For a softmax head an answer below the threshold is
/// "unknown" and counts as wrong (a false negative for the gold class, a false positive for nothing), so the
/// threshold only rises above 0 when abstaining removes more false positives than it costs true positives —
/// macro-F1 over the head's classes rewards that when some classes attract many wrong answers. For a sigmoid
/// head the threshold decides which labels are assigned, so it is tuned the same way.
/// </summary>
public static class ThresholdSelector
{
    public static (double Threshold, double MacroF1) Choose(IReadOnlyList<string> labels, IReadOnlyList<float[]> probabilities,
        IReadOnlyList<IReadOnlyList<string>> gold, bool multiLabel)
    {
        double bestThreshold = 0, bestF1 = double.NegativeInfinity;
        for (int step = 0; step < 100; step++)
        {
            double threshold = step / 100.0;
            var predicted = Predict(labels, probabilities, multiLabel, threshold);
            double f1 = ClassificationMetrics.Compute(labels, gold, predicted, multiLabel).MacroF1;
            if (f1 > bestF1 + 1e-12) { bestF1 = f1; bestThreshold = threshold; }
        }
        return (bestThreshold, bestF1);
    }

    public static IReadOnlyList<IReadOnlyList<string>> Predict(IReadOnlyList<string> labels, IReadOnlyList<float[]> probabilities, bool multiLabel, double threshold) =>
        probabilities.Select(p => (IReadOnlyList<string>)ClassifierHead.AssignedLabels(p, multiLabel, threshold).Select(i => labels[i]).ToArray()).ToList();
}
