namespace SemanticSearch.Index.Ingest;

/// <summary>
/// Streams an input into an <see cref="IndexWriter"/> in batches; each batch is one transaction,
/// so after a crash every batch that was reported committed is there and a re-run (upserts, with
/// unchanged documents skipped by hash) completes the rest.
/// Duplicate ids within one input: the later record wins and a warning names both lines.
/// Malformed records: with <see cref="OnError.Skip"/> they are reported and skipped; with
/// <see cref="OnError.Fail"/> ingest stops with an error and the batch holding the bad record is not
/// applied (batches committed before it stay, as every committed batch is valid on its own).
/// </summary>
public sealed class CorpusIngestor(IndexWriter writer, IngestOptions options, Action<string> warn, Action<long>? batchCommitted = null)
{
    /// <summary>Picks the reader for a path: a folder of text files, *.jsonl/*.json (BEIR corpus) or *.csv.</summary>
    public static IEnumerable<CorpusEntry> OpenInput(string path, CsvColumns csv)
    {
        if (Directory.Exists(path)) return TextFolderReader.Read(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"input '{path}' does not exist");
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".json" => JsonlCorpusReader.Read(path),
            ".csv" => CsvCorpusReader.Read(path, csv),
            var ext => throw new ArgumentException($"input '{path}': unsupported file type '{ext}' (expected .jsonl, .csv or a folder of text files)"),
        };
    }

    private readonly HashSet<string> _seenIds = new(StringComparer.Ordinal);

    /// <summary>Ids of the valid records read by <see cref="Ingest"/> (for pruning what the input no longer has).</summary>
    public IReadOnlySet<string> SeenIds => _seenIds;

    public IngestReport Ingest(IEnumerable<CorpusEntry> entries)
    {
        if (options.BatchSize < 1) throw new ArgumentException("batch size must be at least 1");
        if (options.MaxBatchChars < 1) throw new ArgumentException("the batch text limit must be at least 1 character");
        // Where each id was first seen, as (file, line): a "file:line" string per document cost more than the lookup.
        var firstSeen = new Dictionary<string, (string File, int Line)>(StringComparer.Ordinal);
        var batch = new List<PreparedDocument>(options.BatchSize);
        long batchChars = 0;
        long read = 0, added = 0, updated = 0, unchanged = 0, skipped = 0, duplicates = 0, windows = 0;
        int batches = 0;

        void Flush()
        {
            if (batch.Count == 0) return;
            var r = writer.Upsert(batch);
            added += r.Added; updated += r.Updated; unchanged += r.Unchanged; windows += r.WindowsEmbedded;
            batches++;
            batchCommitted?.Invoke(batch.Count);
            batch.Clear();
            batchChars = 0;
        }

        // Parsing, validation and hashing run up to a batch ahead on another thread; records are
        // still handled in order, and an invalid document stops the ingest where it stands in the input.
        var prepared = entries.Select(e => (Entry: e, Prepared: e.Document is { } d ? PreparedDocument.Of(d) : null));
        foreach (var (entry, doc) in ReadAhead.Of(prepared, Math.Clamp(options.BatchSize, 256, 20_000)))
        {
            read++;
            if (doc is null)
            {
                if (options.OnError == OnError.Fail)
                    throw new CorpusFormatException($"{entry.Location}: {entry.Error} (stopped: {batch.Count} pending documents of this batch were not applied; {added + updated + unchanged} from earlier batches are committed)");
                warn($"{entry.Location}: {entry.Error}; record skipped");
                skipped++;
                continue;
            }
            string id = doc.Document.Id;
            if (firstSeen.TryGetValue(id, out var where))
            {
                duplicates++;
                warn($"{entry.Location}: duplicate id '{id}' (first at {where.File}:{where.Line}); the later record wins");
            }
            else { firstSeen[id] = (entry.File, entry.Line); _seenIds.Add(id); }
            batch.Add(doc);
            batchChars += doc.Document.Title.Length + doc.Document.Text.Length;
            if (batch.Count >= options.BatchSize || batchChars >= options.MaxBatchChars) Flush();
        }
        Flush();
        return new IngestReport(read, added, updated, unchanged, skipped, duplicates, windows, batches);
    }
}
