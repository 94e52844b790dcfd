using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index;

/// <summary>Size and configuration of an index, as shown by `semsearch stats`. DatabaseBytes: the files in the index directory.</summary>
public sealed record IndexStats(
    string Directory, long Documents, long Windows, long DistinctTags, long Generation,
    long DatabaseBytes, ModelBinding? Model, string? CreatedUtc)
{
    /// <summary>The analyzer and BM25 parameters recorded at creation.</summary>
    public IndexSettings Settings { get; init; } = new();
}
