namespace SemanticSearch.Index.Tagging;

/// <summary>
/// A tag a classifier head assigned to a document, with the head's probability for it. Kept apart
/// from the tags given in the input (doc_tags): a predicted tag can be wrong, so filters on it take a
/// minimum confidence and hits show it with its confidence.
/// </summary>
public readonly record struct PredictedTag(string Tag, double Confidence);
