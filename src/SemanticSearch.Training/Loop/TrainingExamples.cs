using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// Training data as the loop sees it: text columns (anchor/positive/negative, or sentence1/sentence2), an optional
/// label per example (gold score or 0/1) and, for intent-labelled triples, the intents the no-same-intent sampler
/// needs. Column-major: <c>Columns[c][i]</c> is the text of column c in example i.
/// </summary>
public sealed class TrainingExamples
{
    private TrainingExamples(IReadOnlyList<string[]> columns, float[]? labels, IReadOnlyList<IntentTriplet>? triplets)
    {
        if (columns.Count == 0 || columns[0].Length == 0) throw new ArgumentException("no training examples");
        Columns = columns;
        Labels = labels;
        Triplets = triplets;
    }

    public IReadOnlyList<string[]> Columns { get; }
    public float[]? Labels { get; }
    /// <summary>Set when the examples came from the FAQ recipe: batches must then avoid same-intent negatives.</summary>
    public IReadOnlyList<IntentTriplet>? Triplets { get; }
    public int Count => Columns[0].Length;

    public static TrainingExamples FromAnchorPositive(IReadOnlyList<AnchorPositiveExample> examples)
    {
        var columns = new List<string[]> { examples.Select(e => e.Anchor).ToArray(), examples.Select(e => e.Positive).ToArray() };
        // PairFileReader guarantees negatives on every line or none.
        if (examples.Count > 0 && examples[0].Negative is not null) columns.Add(examples.Select(e => e.Negative!).ToArray());
        return new TrainingExamples(columns, null, null);
    }

    public static TrainingExamples FromScoredPairs(IReadOnlyList<ScoredPairExample> examples) =>
        new([examples.Select(e => e.Sentence1).ToArray(), examples.Select(e => e.Sentence2).ToArray()],
            examples.Select(e => e.Score).ToArray(), null);

    public static TrainingExamples FromLabelledPairs(IReadOnlyList<LabelledPairExample> examples) =>
        new([examples.Select(e => e.Sentence1).ToArray(), examples.Select(e => e.Sentence2).ToArray()],
            examples.Select(e => (float)e.Label).ToArray(), null);

    public static TrainingExamples FromIntentTriplets(IReadOnlyList<IntentTriplet> triplets) =>
        new([triplets.Select(t => t.Anchor).ToArray(), triplets.Select(t => t.Positive).ToArray(), triplets.Select(t => t.Negative).ToArray()],
            null, triplets);
}
