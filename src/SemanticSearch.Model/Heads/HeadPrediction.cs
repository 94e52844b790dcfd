namespace SemanticSearch.Model.Heads;

/// <summary>
/// A head's answer for one text. <see cref="Labels"/> holds the assigned labels: for a softmax head the
/// most probable label, or none ("unknown") when its probability is below the threshold; for a sigmoid
/// head every label whose probability reaches the threshold. <see cref="Scores"/> has one probability per
/// label, in the head's label order.
/// </summary>
public sealed record HeadPrediction(IReadOnlyList<string> Labels, IReadOnlyList<string> LabelNames, float[] Scores)
{
    public bool IsUnknown => Labels.Count == 0;

    /// <summary>The single assigned label of a softmax head, or null for "unknown".</summary>
    public string? Label => Labels.Count > 0 ? Labels[0] : null;

    public float ScoreOf(string label)
    {
        for (int i = 0; i < LabelNames.Count; i++) if (LabelNames[i] == label) return Scores[i];
        throw new KeyNotFoundException($"label '{label}' is not one of the head's labels");
    }
}
