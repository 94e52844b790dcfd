namespace SemanticSearch.Training.Data;

/// <summary>One MultipleNegativesRankingLoss example: {"anchor", "positive", "negative"?}.</summary>
public sealed record AnchorPositiveExample(string Anchor, string Positive, string? Negative);

/// <summary>One CoSENT / cosine-similarity example: {"sentence1", "sentence2", "score"} with score in [0, 1].</summary>
public sealed record ScoredPairExample(string Sentence1, string Sentence2, float Score);

/// <summary>One contrastive example: {"sentence1", "sentence2", "label"} with label 0 (dissimilar) or 1 (similar).</summary>
public sealed record LabelledPairExample(string Sentence1, string Sentence2, int Label);
