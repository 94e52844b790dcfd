namespace SemanticSearch.Model.Heads;

/// <summary>
/// One model folder carrying encoder + head: the sentence-transformers encoder at the folder's root and the
/// head in "classifier/". Texts are embedded exactly as <see cref="SentenceEncoder.Encode"/> does, then
/// classified.
/// </summary>
public sealed class SentenceClassifier
{
    public SentenceEncoder Encoder { get; }
    public ClassifierHead Head { get; }

    public SentenceClassifier(SentenceEncoder encoder, ClassifierHead head, string headFolder = "classifier", string modelFolder = "encoder")
    {
        head.EnsureMatches(encoder, headFolder, modelFolder);
        Encoder = encoder;
        Head = head;
    }

    /// <summary>Loads the encoder of <paramref name="modelFolder"/> and its head from <c>classifier/</c>.</summary>
    public static SentenceClassifier Load(string modelFolder)
    {
        string headFolder = Path.Combine(modelFolder, ClassifierHead.DefaultFolderName);
        if (!Directory.Exists(headFolder))
            throw new DirectoryNotFoundException($"{modelFolder} has no classifier head (expected folder {headFolder}; train one with 'semsearch classifier train')");
        var encoder = SentenceEncoder.Load(modelFolder);
        var head = ClassifierHead.Load(headFolder);
        return new SentenceClassifier(encoder, head, headFolder, modelFolder);
    }

    public IReadOnlyList<HeadPrediction> Classify(IReadOnlyList<string> texts, int batchSize = 32)
    {
        var embeddings = Encoder.Encode(texts, batchSize);
        var predictions = new HeadPrediction[embeddings.Length];
        for (int i = 0; i < embeddings.Length; i++) predictions[i] = Head.Predict(embeddings[i]);
        return predictions;
    }
}
