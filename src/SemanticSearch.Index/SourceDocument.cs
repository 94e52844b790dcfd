namespace SemanticSearch.Index;

/// <summary>A document as given to the index. <see cref="Id"/> is the user's key (upserts replace by it).</summary>
public sealed record SourceDocument(string Id, string Title, string Text, IReadOnlyList<string> Tags, string? MetadataJson = null)
{
    public SourceDocument(string id, string text) : this(id, "", text, Array.Empty<string>()) { }

    /// <summary>What gets embedded: the title is part of the meaning, as in BEIR's title+text convention.</summary>
    public string EmbeddingText => Title.Length == 0 ? Text : Title + ". " + Text;
}
