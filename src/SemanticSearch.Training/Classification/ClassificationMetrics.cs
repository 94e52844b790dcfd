namespace SemanticSearch.Training.Classification;

/// <summary>Precision, recall and F1 of one label, and how many evaluated texts truly carry it.</summary>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support, bool SeenInTraining);

/// <summary>
/// scikit-learn's classification_report numbers. Single-label: accuracy = fraction of texts whose one
/// predicted label equals the gold label; an "unknown" answer (no label) is simply wrong. Per-class rows cover
/// the union of gold and predicted labels, as sklearn does, so a gold label the head never saw in training is
/// reported (recall 0, <see cref="ClassMetrics.SeenInTraining"/> false) rather than crashing. A zero division
/// gives 0, as sklearn's zero_division=0. Multi-label: accuracy is exact-set match and each label is scored as
/// its own binary decision. The confusion matrix has gold labels as rows and predictions as columns, with an
/// extra "(unknown)" column for single-label heads; multi-label heads get tp/fp/fn/tn per label instead.
/// </summary>
public sealed class ClassificationMetrics
{
    public const string UnknownColumn = "(unknown)";

    public int Count { get; private init; }
    public bool MultiLabel { get; private init; }
    public double Accuracy { get; private init; }
    public double MacroPrecision { get; private init; }
    public double MacroRecall { get; private init; }
    public double MacroF1 { get; private init; }
    public double WeightedPrecision { get; private init; }
    public double WeightedRecall { get; private init; }
    public double WeightedF1 { get; private init; }
    public int UnknownCount { get; private init; }
    public IReadOnlyList<ClassMetrics> PerClass { get; private init; } = [];
    /// <summary>Gold labels that are not among the head's labels.</summary>
    public IReadOnlyList<string> UnseenLabels { get; private init; } = [];
    public IReadOnlyList<string> MatrixRows { get; private init; } = [];
    public IReadOnlyList<string> MatrixColumns { get; private init; } = [];
    public int[,] Matrix { get; private init; } = new int[0, 0];

    public static ClassificationMetrics Compute(IReadOnlyList<string> headLabels, IReadOnlyList<IReadOnlyList<string>> gold,
        IReadOnlyList<IReadOnlyList<string>> predicted, bool multiLabel)
    {
        if (gold.Count != predicted.Count) throw new ArgumentException($"{gold.Count} gold rows but {predicted.Count} predictions");
        if (gold.Count == 0) throw new ArgumentException("nothing to evaluate: no rows");
        var known = new HashSet<string>(headLabels, StringComparer.Ordinal);
        var classes = new List<string>(headLabels);
        foreach (var label in gold.SelectMany(g => g).Concat(predicted.SelectMany(p => p)))
            if (!classes.Contains(label)) classes.Add(label);
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        int k = classes.Count, n = gold.Count;
        var tp = new int[k];
        var fp = new int[k];
        var fn = new int[k];
        int correct = 0, unknown = 0;
        int[,] matrix = multiLabel ? new int[k, 4] : new int[k, k + 1];
        for (int r = 0; r < n; r++)
        {
            var g = gold[r];
            var p = predicted[r];
            if (!multiLabel && g.Count != 1) throw new ArgumentException($"row {r}: single-label evaluation needs exactly one gold label, got {g.Count}");
            if (!multiLabel && p.Count > 1) throw new ArgumentException($"row {r}: single-label prediction has {p.Count} labels");
            if (p.Count == 0) unknown++;
            if (g.Count == p.Count && g.All(p.Contains)) correct++;
            foreach (var label in p) { if (g.Contains(label)) tp[index[label]]++; else fp[index[label]]++; }
            foreach (var label in g) if (!p.Contains(label)) fn[index[label]]++;
            if (!multiLabel) matrix[index[g[0]], p.Count == 0 ? k : index[p[0]]]++;
        }
        if (multiLabel)
            for (int c = 0; c < k; c++) { matrix[c, 0] = tp[c]; matrix[c, 1] = fp[c]; matrix[c, 2] = fn[c]; matrix[c, 3] = n - tp[c] - fp[c] - fn[c]; }

        var perClass = new List<ClassMetrics>();
        // sklearn reports labels present in gold or predictions; head labels absent from both are left out.
        for (int c = 0; c < k; c++)
        {
            int support = tp[c] + fn[c];
            if (support == 0 && tp[c] + fp[c] == 0) continue;
            double precision = Ratio(tp[c], tp[c] + fp[c]), recall = Ratio(tp[c], support);
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(classes[c], precision, recall, f1, support, known.Contains(classes[c])));
        }
        double totalSupport = perClass.Sum(m => m.Support);
        double Weighted(Func<ClassMetrics, double> f) => totalSupport == 0 ? 0 : perClass.Sum(m => f(m) * m.Support) / totalSupport;
        return new ClassificationMetrics
        {
            Count = n,
            MultiLabel = multiLabel,
            Accuracy = (double)correct / n,
            MacroPrecision = perClass.Average(m => m.Precision),
            MacroRecall = perClass.Average(m => m.Recall),
            MacroF1 = perClass.Average(m => m.F1),
            WeightedPrecision = Weighted(m => m.Precision),
            WeightedRecall = Weighted(m => m.Recall),
            WeightedF1 = Weighted(m => m.F1),
            UnknownCount = unknown,
            PerClass = perClass,
            UnseenLabels = classes.Where(c => !known.Contains(c)).ToList(),
            MatrixRows = classes,
            MatrixColumns = multiLabel ? ["tp", "fp", "fn", "tn"] : [.. classes, UnknownColumn],
            Matrix = matrix,
        };
    }

    private static double Ratio(int a, int b) => b == 0 ? 0 : (double)a / b;
}
