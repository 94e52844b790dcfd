using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index;

/// <summary>Size and configuration of an index, as shown by `semsearch stats`.</summary>
public sealed record IndexStats(
    string Directory, long Documents, long Windows, long DistinctTags, long Generation,
    long DatabaseBytes, ModelBinding? Model, string? CreatedUtc);
