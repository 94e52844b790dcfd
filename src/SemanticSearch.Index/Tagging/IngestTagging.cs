namespace SemanticSearch.Index.Tagging;

/// <summary>
/// Classification of an upsert batch. New documents and documents whose title or text changed are
/// classified; a metadata-only change keeps the document's prediction (its text, hence the head's
/// input, is the same).
/// </summary>
internal static class IngestTagging
{
    /// <summary>Per plan, its predicted tags, or null when the plan keeps its current prediction.</summary>
    public static PredictedTag[]?[] Predict(DocumentTagger tagger, bool reuseIndexEmbeddings, IReadOnlyList<DocumentPlan> plans,
                                            IReadOnlyList<IReadOnlyList<EmbeddedWindow>?> windows, int batchSize)
    {
        var result = new PredictedTag[]?[plans.Count];
        var which = new List<int>();
        var embeddings = new List<float[]>();
        var texts = new List<string>();
        for (int i = 0; i < plans.Count; i++)
        {
            if (plans[i].Exists && !plans[i].ContentChanged) continue;
            which.Add(i);
            if (!reuseIndexEmbeddings) { texts.Add(plans[i].Document.EmbeddingText); continue; }
            // Window 0 is the text truncated to max_seq_length: what the head was trained on.
            var ws = windows[i] ?? throw new InvalidOperationException($"document '{plans[i].Document.Id}' was not embedded; cannot classify it");
            embeddings.Add(ws[0].Vector);
        }
        if (!reuseIndexEmbeddings) embeddings.AddRange(tagger.EmbedWithOwnEncoder(texts, batchSize));
        var predicted = tagger.Classify(embeddings);
        for (int j = 0; j < which.Count; j++) result[which[j]] = predicted[j];
        return result;
    }
}
