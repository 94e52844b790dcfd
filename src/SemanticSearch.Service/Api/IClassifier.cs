namespace SemanticSearch.Service.Api;

/// <summary>One label with its probability.</summary>
public readonly record struct LabelProbability(string Label, double Score);

/// <summary>
/// The seam for classification heads (being built elsewhere). Until one is plugged in, Classify
/// answers UNIMPLEMENTED and says why.
/// </summary>
public interface IClassifier
{
    /// <summary>For each text, its <paramref name="top"/> most probable labels, best first.</summary>
    IReadOnlyList<IReadOnlyList<LabelProbability>> Classify(IReadOnlyList<string> texts, int top);
}
