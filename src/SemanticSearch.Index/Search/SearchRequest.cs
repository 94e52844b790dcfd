namespace SemanticSearch.Index.Search;

public enum SearchMode { Keyword, Vector, Hybrid }

public enum FusionMethod { ReciprocalRank, Linear }

/// <summary>
/// One query. Tags restrict both legs before their top-k is taken (a document must carry every
/// listed tag); so do predicted tags (every listed one, each with at least
/// <see cref="MinPredictedConfidence"/>). <see cref="CandidateDepth"/> is how many hits each hybrid leg contributes to fusion.
/// </summary>
public sealed record SearchRequest(string Query)
{
    public const int MaxTop = 10_000;
    public const int MaxOffset = 100_000;

    public SearchMode Mode { get; init; } = SearchMode.Keyword;
    public int Top { get; init; } = 10;
    public int Offset { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();
    /// <summary>Labels a classifier head assigned at ingest or re-tag (not the tags given in the input).</summary>
    public IReadOnlyList<string> PredictedTags { get; init; } = Array.Empty<string>();
    /// <summary>The least confidence (the head's probability, 0..1) a predicted tag must have to count.</summary>
    public double MinPredictedConfidence { get; init; }
    public FusionMethod Fusion { get; init; } = FusionMethod.ReciprocalRank;
    /// <summary>RRF's k: larger values flatten the advantage of the very top ranks.</summary>
    public double RrfK { get; init; } = 60;
    public double KeywordWeight { get; init; } = 1;
    public double VectorWeight { get; init; } = 1;
    /// <summary>Linear fusion: fused = alpha·vector + (1−alpha)·keyword, both min-max normalized.</summary>
    public double Alpha { get; init; } = 0.5;
    /// <summary><see cref="Query"/> is Lucene query syntax (phrases, AND/OR/NOT, field:, wildcards, fuzzy~) rather than plain text.</summary>
    public bool AdvancedSyntax { get; init; }
    public int CandidateDepth { get; init; } = 100;
    /// <summary>Highlighted snippets re-analyze each hit's text; batch evaluation turns them off.</summary>
    public bool Snippets { get; init; } = true;
    public string HighlightStart { get; init; } = "[";
    public string HighlightEnd { get; init; } = "]";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Query)) throw new ArgumentException("query must not be empty");
        if (Top < 1 || Top > MaxTop) throw new ArgumentException($"top must be between 1 and {MaxTop}, got {Top}");
        if (Offset < 0 || Offset > MaxOffset) throw new ArgumentException($"offset must be between 0 and {MaxOffset}, got {Offset}");
        if (!(RrfK > 0)) throw new ArgumentException($"rrf k must be positive, got {RrfK}");
        if (!(Alpha >= 0 && Alpha <= 1)) throw new ArgumentException($"alpha must be between 0 and 1, got {Alpha}");
        if (!(KeywordWeight >= 0) || !(VectorWeight >= 0)) throw new ArgumentException("leg weights must be non-negative");
        if (CandidateDepth < 1 || CandidateDepth > MaxTop) throw new ArgumentException($"candidate depth must be between 1 and {MaxTop}");
        foreach (var t in Tags) if (string.IsNullOrWhiteSpace(t)) throw new ArgumentException("tag filter must not be empty");
        foreach (var t in PredictedTags) if (string.IsNullOrWhiteSpace(t)) throw new ArgumentException("predicted tag filter must not be empty");
        if (!(MinPredictedConfidence >= 0 && MinPredictedConfidence <= 1)) throw new ArgumentException($"minimum confidence must be between 0 and 1, got {MinPredictedConfidence}");
        if (MinPredictedConfidence > 0 && PredictedTags.Count == 0) throw new ArgumentException("a minimum confidence needs a predicted tag to apply to");
    }
}
