namespace SemanticSearch.Service.Api;

/// <summary>One label with its probability.</summary>
public readonly record struct LabelProbability(string Label, double Score);

/// <summary>
/// A text's most probable labels (best first) and the labels the head assigns after its threshold
/// (empty: "unknown" for a softmax head below its threshold).
/// </summary>
public sealed record ClassifiedText(IReadOnlyList<LabelProbability> Top, IReadOnlyList<string> Assigned);

/// <summary>The seam for classification heads; without one, Classify answers FAILED_PRECONDITION and says why.</summary>
public interface IClassifier
{
    /// <summary>For each text, its <paramref name="top"/> most probable labels and the assigned ones.</summary>
    IReadOnlyList<ClassifiedText> Classify(IReadOnlyList<string> texts, int top);
}
