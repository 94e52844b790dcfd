using SemanticSearch.Model;
using SemanticSearch.Model.Heads;
using SemanticSearch.Service.Api;

namespace SemanticSearch.Service.Serving;

/// <summary>
/// Classify through the classifier head stored in the served model's "classifier/" folder, on the
/// same encoder the index uses (so a text is embedded once, the way search embeds it).
/// </summary>
public sealed class HeadClassifier : IClassifier
{
    private readonly SentenceClassifier _classifier;

    private HeadClassifier(SentenceClassifier classifier, string headFolder) { _classifier = classifier; HeadFolder = Path.GetFullPath(headFolder); }

    /// <summary>The head itself: the server tags upserted documents with it when the index records this head.</summary>
    public ClassifierHead Head => _classifier.Head;
    public string HeadFolder { get; }

    /// <summary>The head of <paramref name="modelDirectory"/>, or null when the model has none.</summary>
    public static HeadClassifier? TryLoad(SentenceEncoder encoder, string modelDirectory)
    {
        string headFolder = Path.Combine(modelDirectory, ClassifierHead.DefaultFolderName);
        if (!Directory.Exists(headFolder)) return null;
        // EnsureMatches (in the constructor) refuses a head trained on another encoder, naming both.
        return new HeadClassifier(new SentenceClassifier(encoder, ClassifierHead.Load(headFolder), headFolder, modelDirectory), headFolder);
    }

    public IReadOnlyList<string> Labels => _classifier.Head.Labels;

    public IReadOnlyList<ClassifiedText> Classify(IReadOnlyList<string> texts, int top)
    {
        var predictions = _classifier.Classify(texts);
        var results = new ClassifiedText[predictions.Count];
        for (int i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            var best = p.LabelNames.Select((name, j) => new LabelProbability(name, p.Scores[j]))
                .OrderByDescending(l => l.Score).ThenBy(l => l.Label, StringComparer.Ordinal).Take(top).ToList();
            results[i] = new ClassifiedText(best, p.Labels);
        }
        return results;
    }
}
