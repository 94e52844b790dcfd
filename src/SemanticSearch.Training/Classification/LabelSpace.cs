using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// The labels a head is trained on (every label in the training data, in ordinal order so the same data always
/// gives the same label indices) and the targets of each training text.
/// </summary>
public sealed class LabelSpace
{
    public IReadOnlyList<string> Labels { get; }
    public bool MultiLabel { get; }
    private readonly Dictionary<string, int> _index;

    private LabelSpace(IReadOnlyList<string> labels, bool multiLabel)
    {
        Labels = labels;
        MultiLabel = multiLabel;
        _index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>Collects the labels of <paramref name="data"/>; fails when a head could not learn anything from them.</summary>
    public static LabelSpace FromTrainingData(IReadOnlyList<LabeledText> data, bool multiLabel, string file)
    {
        for (int i = 0; i < data.Count; i++)
        {
            if (!multiLabel && data[i].Labels.Count != 1)
                throw new TrainingDataException(file, null,
                    $"text #{i + 1} has {data[i].Labels.Count} labels; single-label training needs exactly one per text (pass --multi-label for several)");
        }
        var labels = data.SelectMany(d => d.Labels).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2)
            throw new TrainingDataException(file, null,
                $"only one class ({(labels.Count == 1 ? $"\"{labels[0]}\"" : "none")}) in the training data; a classifier needs at least two");
        return new LabelSpace(labels, multiLabel);
    }

    public int IndexOf(string label) => _index.TryGetValue(label, out int i) ? i : -1;

    /// <summary>Class index per text (single-label); every label of a text must be known.</summary>
    public int[] SingleTargets(IReadOnlyList<LabeledText> data) => data.Select(d => IndexOf(d.Labels[0])).ToArray();

    /// <summary>0/1 matrix [texts, labels] (multi-label); labels unknown to this space are ignored.</summary>
    public float[] MultiTargets(IReadOnlyList<LabeledText> data)
    {
        var targets = new float[data.Count * Labels.Count];
        for (int r = 0; r < data.Count; r++)
            foreach (var label in data[r].Labels)
                if (IndexOf(label) is int c and >= 0) targets[r * Labels.Count + c] = 1;
        return targets;
    }

    /// <summary>scikit-learn's "balanced" weights: n / (classes · count(class)).</summary>
    public float[] BalancedWeights(int[] targets)
    {
        var counts = new int[Labels.Count];
        foreach (int t in targets) counts[t]++;
        return counts.Select(c => c == 0 ? 0f : (float)((double)targets.Length / (Labels.Count * c))).ToArray();
    }
}
