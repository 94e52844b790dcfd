namespace SemanticSearch.Index.Storage;

/// <summary>
/// Field names of a document in the Lucene index. One Lucene document per source document:
/// <list type="bullet">
/// <item><c>id</c>: the user's key (StringField, stored); upserts replace by it.</item>
/// <item><c>content</c>: what BM25 searches — the title twice, then the text (TextField, not stored;
/// Lucene 4.8 scores each field on its own, so counting the title twice is how it is weighted); with
/// <see cref="IndexSettings.TitleBoost"/> above 0 it holds the text only and queries add the
/// <c>title</c> field with that boost.</item>
/// <item><c>title</c>: stored, and indexed on its own for <c>title:</c> queries in Lucene syntax;
/// <c>text</c>, <c>metadata</c>, <c>tags</c>: stored for display and snippets;
/// <c>tag</c> / <c>ptag</c>: one StringField per given / predicted tag, for filters.</item>
/// <item><c>hashes</c>: content hash + record hash (BinaryDocValues, 64 bytes), read per upsert.</item>
/// <item><c>vectors_a</c> / <c>vectors_b</c>: the window vectors, windows × dim little-endian float32
/// (BinaryDocValues); which one is live is recorded in the commit (<see cref="CommitKeys.VectorField"/>),
/// the other receives a model activation's vectors.</item>
/// <item><c>staged_hash</c>: the content hash the staged vectors were embedded from.</item>
/// <item><c>predicted</c>: predicted tags with confidences (BinaryDocValues, <see cref="PredictedTagBlob"/>);
/// <c>tag_head</c>: the head that classified the document (StringField, stored; also for "unknown").</item>
/// </list>
/// </summary>
internal static class IndexFields
{
    public const string Id = "id", Content = "content", Title = "title", Text = "text", Metadata = "metadata", Tags = "tags";
    public const string Tag = "tag", PredictedTag = "ptag", TagHead = "tag_head";
    public const string Hashes = "hashes", StagedHash = "staged_hash", Predicted = "predicted";
    public const string VectorsA = "vectors_a", VectorsB = "vectors_b";

    public static string Other(string vectorField) => vectorField == VectorsA ? VectorsB : VectorsA;
}

/// <summary>Keys of the commit user data: what one Lucene commit records about the index beside its documents.</summary>
internal static class CommitKeys
{
    public const string Format = "format", Generation = "generation", CreatedUtc = "created_utc";
    public const string Analyzer = "analyzer", K1 = "bm25_k1", B = "bm25_b", TitleBoost = "title_boost";
    public const string VectorField = "vector_field", ReembedCursor = "reembed_cursor", ReembedRun = "reembed_run";
    public const string DefaultFusion = "default_fusion";
    /// <summary>The format this build writes and reads; any other value is refused at open.</summary>
    public const string FormatVersion = "semsearch-lucene-1";
}
