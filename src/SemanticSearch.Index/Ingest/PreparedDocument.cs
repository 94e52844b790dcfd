using System.Text.Json;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// A validated document with what the writer derives from it before touching the database: its two
/// hashes (<see cref="DocumentHashes"/>). Bulk
/// ingest makes these on the read-ahead thread (<see cref="CorpusIngestor"/>), so the hashing
/// overlaps the Lucene writes of the previous batch instead of adding to them on the one writer thread.
/// </summary>
internal sealed class PreparedDocument
{
    public SourceDocument Document { get; }
    public byte[] ContentHash { get; }
    public byte[] RecordHash { get; }

    private PreparedDocument(SourceDocument document)
    {
        Document = document;
        ContentHash = DocumentHashes.Content(document);
        RecordHash = DocumentHashes.Record(document);
    }

    /// <summary>The one rule for empty documents, the same in every reader, the writer and the service.</summary>
    public const string EmptyText = "text must not be empty";

    /// <summary>Validates <paramref name="d"/> (ArgumentException naming the document and what is wrong) and prepares it.</summary>
    public static PreparedDocument Of(SourceDocument d)
    {
        if (string.IsNullOrWhiteSpace(d.Id)) throw new ArgumentException("document id must not be empty");
        if (d.Title is null || d.Text is null) throw new ArgumentException($"document '{d.Id}': title and text must not be null");
        if (string.IsNullOrWhiteSpace(d.Text)) throw new ArgumentException($"document '{d.Id}': {EmptyText}");
        if (d.Tags is null) throw new ArgumentException($"document '{d.Id}': tags must not be null (use an empty list)");
        foreach (var t in d.Tags)
            if (string.IsNullOrWhiteSpace(t)) throw new ArgumentException($"document '{d.Id}': tags must not be empty");
        if (d.MetadataJson is not null)
        {
            try { using var _ = JsonDocument.Parse(d.MetadataJson); }
            catch (JsonException e) { throw new ArgumentException($"document '{d.Id}': metadata is not valid JSON: {e.Message}"); }
        }
        return new PreparedDocument(d);
    }
}
