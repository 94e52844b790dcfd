using SemanticSearch.Model.Heads;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// How well a head with an "unknown" threshold separates in-scope texts (one of its intents) from out-of-scope ones
/// (no intent: a support desk hands them to a person), as the intent-detection literature reports it (Larson et al.
/// 2019, CLINC150): in-scope accuracy = in-scope texts given their right intent (an "unknown" answer is wrong);
/// out-of-scope recall = out-of-scope texts answered "unknown"; out-of-scope precision = "unknown" answers that were
/// out of scope. A zero division gives 0.
/// </summary>
public sealed record OutOfScopeMetrics(double Threshold, int InScopeCount, int OutOfScopeCount, double InScopeAccuracy,
    double OutOfScopePrecision, double OutOfScopeRecall)
{
    public double OutOfScopeF1 => OutOfScopePrecision + OutOfScopeRecall == 0 ? 0 : 2 * OutOfScopePrecision * OutOfScopeRecall / (OutOfScopePrecision + OutOfScopeRecall);

    /// <summary>What the threshold is chosen by: the mean of in-scope accuracy and out-of-scope recall.</summary>
    public double Balance => (InScopeAccuracy + OutOfScopeRecall) / 2;

    /// <param name="gold">each text's intent, or null for an out-of-scope text</param>
    /// <param name="probabilities">the softmax head's probabilities per text, in the order of <paramref name="labels"/></param>
    public static OutOfScopeMetrics Compute(IReadOnlyList<string> labels, IReadOnlyList<float[]> probabilities, IReadOnlyList<string?> gold, double threshold)
    {
        if (probabilities.Count != gold.Count) throw new ArgumentException($"{gold.Count} gold rows but {probabilities.Count} predictions");
        int inScope = 0, inScopeRight = 0, outOfScope = 0, unknownRight = 0, unknown = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            var assigned = ClassifierHead.AssignedLabels(probabilities[i], multiLabel: false, threshold);
            bool isUnknown = assigned.Length == 0;
            if (isUnknown) unknown++;
            if (gold[i] is null)
            {
                outOfScope++;
                if (isUnknown) unknownRight++;
            }
            else
            {
                inScope++;
                if (!isUnknown && labels[assigned[0]] == gold[i]) inScopeRight++;
            }
        }
        return new OutOfScopeMetrics(threshold, inScope, outOfScope, Ratio(inScopeRight, inScope), Ratio(unknownRight, unknown), Ratio(unknownRight, outOfScope));
    }

    /// <summary>
    /// The "unknown" threshold among 0, 0.01, …, 0.99 that maximizes <see cref="Balance"/> on validation data holding
    /// both kinds of text: raising it trades in-scope answers (some right) for out-of-scope refusals, and the mean
    /// weighs a point of either the same, however many texts of each kind the validation data has. Lowest on ties.
    /// </summary>
    public static OutOfScopeMetrics ChooseThreshold(IReadOnlyList<string> labels, IReadOnlyList<float[]> probabilities, IReadOnlyList<string?> gold)
    {
        if (!gold.Any(g => g is null)) throw new ArgumentException("choosing the unknown threshold needs out-of-scope texts in the validation data");
        if (!gold.Any(g => g is not null)) throw new ArgumentException("choosing the unknown threshold needs in-scope texts in the validation data");
        OutOfScopeMetrics? best = null;
        for (int step = 0; step < 100; step++)
        {
            var m = Compute(labels, probabilities, gold, step / 100.0);
            if (best is null || m.Balance > best.Balance + 1e-12) best = m;
        }
        return best!;
    }

    private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;
}
