using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// The labels a head is trained on (every label in the training data, in ordinal order so the same data always
/// gives the same label indices) and the targets of each training text. An out-of-scope label, when given, names
/// texts that belong to no intent: it is not one of the head's labels, and such texts get the target
/// <see cref="NoIntent"/>.
/// </summary>
public sealed class LabelSpace
{
    /// <summary>The single-label target of an out-of-scope text.</summary>
    public const int NoIntent = -1;

    public IReadOnlyList<string> Labels { get; }
    public bool MultiLabel { get; }
    /// <summary>The label that marks out-of-scope texts, or null when every text has an intent.</summary>
    public string? OutOfScopeLabel { get; }
    private readonly Dictionary<string, int> _index;

    private LabelSpace(IReadOnlyList<string> labels, bool multiLabel, string? outOfScopeLabel)
    {
        Labels = labels;
        MultiLabel = multiLabel;
        OutOfScopeLabel = outOfScopeLabel;
        _index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>Whether a text with these labels belongs to no intent.</summary>
    public bool IsOutOfScope(LabeledText text) => OutOfScopeLabel is not null && text.Labels.Count == 1 && text.Labels[0] == OutOfScopeLabel;

    /// <summary>Collects the labels of <paramref name="data"/>; fails when a head could not learn anything from them.</summary>
    /// <param name="outOfScopeLabel">texts with this label belong to no intent (single-label heads only)</param>
    public static LabelSpace FromTrainingData(IReadOnlyList<LabeledText> data, bool multiLabel, string file, string? outOfScopeLabel = null)
    {
        if (outOfScopeLabel is not null && multiLabel)
            throw new ArgumentException("an out-of-scope label applies to single-label heads; a multi-label head already answers no label when none passes its threshold");
        if (outOfScopeLabel is { Length: 0 }) throw new ArgumentException("the out-of-scope label must not be empty");
        for (int i = 0; i < data.Count; i++)
        {
            if (!multiLabel && data[i].Labels.Count != 1)
                throw new TrainingDataException(file, null,
                    $"text #{i + 1} has {data[i].Labels.Count} labels; single-label training needs exactly one per text (pass --multi-label for several)");
        }
        var labels = data.SelectMany(d => d.Labels).Where(l => l != outOfScopeLabel).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2)
            throw new TrainingDataException(file, null,
                $"only one class ({(labels.Count == 1 ? $"\"{labels[0]}\"" : "none")}) in the training data{(outOfScopeLabel is null ? "" : $" besides the out-of-scope label \"{outOfScopeLabel}\"")}; a classifier needs at least two");
        return new LabelSpace(labels, multiLabel, outOfScopeLabel);
    }

    public int IndexOf(string label) => _index.TryGetValue(label, out int i) ? i : -1;

    /// <summary>Class index per text (single-label), <see cref="NoIntent"/> for an out-of-scope text.</summary>
    public int[] SingleTargets(IReadOnlyList<LabeledText> data) => data.Select(d => IsOutOfScope(d) ? NoIntent
        : IndexOf(d.Labels[0]) is int i and >= 0 ? i : throw new ArgumentException($"label \"{d.Labels[0]}\" is not one of the head's labels")).ToArray();

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
        foreach (int t in targets) if (t != NoIntent) counts[t]++;
        double n = counts.Sum(); // in-scope texts: out-of-scope ones carry no class to weigh
        return counts.Select(c => c == 0 ? 0f : (float)(n / (Labels.Count * c))).ToArray();
    }
}
