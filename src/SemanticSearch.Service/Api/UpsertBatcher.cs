using System.Text.Json;
using SemanticSearch.Index;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Serving;

namespace SemanticSearch.Service.Api;

/// <summary>
/// Collects streamed documents into batches and commits each batch as one index transaction, so
/// a long stream is durable piece by piece and readers see it grow. Invalid documents are
/// reported per document and never reach the writer.
/// </summary>
internal sealed class UpsertBatcher(ServedIndex index, int batchSize)
{
    /// <summary>Field budgets: a document over one is refused (per document, the stream goes on).</summary>
    public const int MaxIdChars = 512, MaxTitleChars = 4096, MaxTextChars = 256 * 1024, MaxTags = 64, MaxTagChars = 256, MaxMetadataChars = 64 * 1024;
    /// <summary>Text held in memory before a commit is forced, whatever the batch's document count.</summary>
    public const long MaxPendingChars = 4L * 1024 * 1024;

    private readonly List<(SourceDocument Doc, long Position)> _pending = new();
    private long _pendingChars;
    private readonly UpsertResponse _response = new();

    public UpsertResponse Response => _response;

    public async Task AddAsync(Document? document, CancellationToken cancellationToken)
    {
        long position = _response.Received++;
        string? error = Validate(document);
        if (error is not null)
        {
            AddError(document?.Id ?? "", position, error);
            return;
        }
        var d = document!;
        var source = new SourceDocument(d.Id, d.Title, d.Text, d.Tags.ToArray(), d.MetadataJson.Length == 0 ? null : d.MetadataJson);
        _pending.Add((source, position));
        _pendingChars += d.Text.Length + d.Title.Length + d.MetadataJson.Length;
        if (_pending.Count >= batchSize || _pendingChars >= MaxPendingChars) await FlushAsync(cancellationToken);
    }

    /// <summary>Commits what is pending. Once the commit has started it completes even if the call is cancelled.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0) return;
        var batch = _pending.ToList();
        _pending.Clear();
        _pendingChars = 0;
        try
        {
            Count(await index.WriteAsync(w => w.Upsert(batch.Select(b => b.Doc).ToList()), cancellationToken));
        }
        catch (ArgumentException)
        {
            // Validation above mirrors the index's rules; should one still refuse the batch, commit
            // document by document so only the offending one is reported.
            foreach (var (doc, position) in batch)
            {
                try { Count(await index.WriteAsync(w => w.Upsert(new[] { doc }), cancellationToken)); }
                catch (ArgumentException e) { AddError(doc.Id, position, e.Message); }
            }
        }
    }

    private void Count(UpsertResult result)
    {
        _response.Added += result.Added;
        _response.Updated += result.Updated;
        _response.Unchanged += result.Unchanged;
    }

    private void AddError(string id, long position, string message)
    {
        _response.Failed++;
        // Bounded: a stream of a million bad documents must not build a response over the size limit.
        if (_response.Errors.Count < 1000) _response.Errors.Add(new DocumentError { Id = id, Position = position, Message = message });
    }

    private static string? Validate(Document? d)
    {
        if (d is null) return "document must be set";
        if (string.IsNullOrWhiteSpace(d.Id)) return "id must not be empty";
        if (d.Id.Length > MaxIdChars) return $"id must be at most {MaxIdChars} characters, got {d.Id.Length}";
        if (string.IsNullOrWhiteSpace(d.Text)) return $"document '{d.Id}': text must not be empty";
        if (d.Text.Length > MaxTextChars) return $"document '{d.Id}': text must be at most {MaxTextChars} characters, got {d.Text.Length} (split it into several documents)";
        if (d.Title.Length > MaxTitleChars) return $"document '{d.Id}': title must be at most {MaxTitleChars} characters, got {d.Title.Length}";
        if (d.Tags.Count > MaxTags) return $"document '{d.Id}': at most {MaxTags} tags, got {d.Tags.Count}";
        for (int i = 0; i < d.Tags.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(d.Tags[i])) return $"document '{d.Id}': tags[{i}] must not be empty";
            if (d.Tags[i].Length > MaxTagChars) return $"document '{d.Id}': tags[{i}] must be at most {MaxTagChars} characters";
        }
        if (d.MetadataJson.Length > MaxMetadataChars) return $"document '{d.Id}': metadata_json must be at most {MaxMetadataChars} characters, got {d.MetadataJson.Length}";
        if (d.MetadataJson.Length > 0)
        {
            try
            {
                using var json = JsonDocument.Parse(d.MetadataJson);
                if (json.RootElement.ValueKind != JsonValueKind.Object) return $"document '{d.Id}': metadata_json must be a JSON object";
            }
            catch (JsonException e) { return $"document '{d.Id}': metadata_json is not valid JSON: {e.Message}"; }
        }
        return null;
    }
}
