using System.Diagnostics;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Ingest;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch index`: create or update an index from a JSONL/CSV file or a folder of text files.</summary>
public sealed class IndexCommand : ICliCommand
{
    public string Name => "index";
    public string Summary => "add or update documents in an index (JSONL, CSV or a folder)";
    public string Usage => """
        usage: semsearch index --index DIR --input FILE|FOLDER [options]

          --index DIR          index directory (created if missing); a bare NAME means index/NAME
          --input PATH         BEIR corpus .jsonl ({"_id","title","text","tags","metadata"}),
                               .csv with a header row, or a folder of text files (id = relative path)
          --model DIR          sentence-transformers model; binds the index to it (vector + hybrid search).
                               Without it a new index is keyword-only, and an existing one bound to a model
                               reuses the model it recorded. An existing index needs the same model.
          --prune              after a complete run, delete the documents whose ids the input no longer has
                               (refused with skipped records: their ids are unknown)
          --on-error MODE      skip: report malformed records and go on; fail (default): stop, the batch
                               holding the bad record is not applied
          --analyzer A         text analysis, fixed when the index is created: english (default: possessives,
                               lower case, stop words, ASCII folding, Porter), standard, whitespace, or a
                               language of Lucene.Net.Analysis.Common (arabic … turkish; see the README)
          --bm25-k1 K, --bm25-b B   BM25 parameters, fixed at creation (default 1.2 and 0.75)
          --title-boost W      0 (default): the title counts twice in the one searched field; W > 0: the
                               title is searched as its own field boosted W (2 measured best on the FAQ
                               sample, where every entry has a title); fixed at creation (BENCHMARKS.md)
          --batch-size N       documents per Lucene commit (default 10000 keyword-only, 1000 with
                               --model or --classifier; a batch also ends at 16M characters of text)
          --id-column C        CSV: id column (default: 'id' or '_id' if present, else the row number)
          --title-column C     CSV: title column (default: 'title' if present)
          --text-column C      CSV: text column (default: 'text')
          --tags-column C      CSV: tags column, ';'-separated (default: 'tags' if present)
          --classifier DIR     tag each new or re-texted document with a classifier head (a model folder with
                               classifier/ inside, or the head folder): its label(s) are stored as predicted
                               tags with their probability, apart from the input's tags. A softmax head stores
                               its best label if it reaches the head's threshold, else nothing ("unknown");
                               a sigmoid head every label at or above it. When the head was trained on --model
                               the document vectors are reused; otherwise the head's own model embeds the text.
                               An index tagged by another head must be re-tagged first ('semsearch retag').

        Documents are upserted by id; unchanged documents are skipped. Each batch is durable once
        committed, so an interrupted run can simply be repeated. Duplicate ids in one input: the later
        record wins (with a warning).
        """ + RemoteIndexCommand.UsageText;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Has("server")) return RemoteIndexCommand.RunRemote(args, stdout, stderr);
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"), stderr);
        string input = args.RequiredString("input");
        string? modelDir = args.String("model") is { } m ? ModelLocation.Resolve(m) : null;
        bool prune = args.Flag("prune");
        string? classifierDir = args.String("classifier");
        var onError = args.Choice("on-error", "fail", "skip", "fail") == "skip" ? OnError.Skip : OnError.Fail;
        int batchSize = args.Int("batch-size", IngestOptions.DefaultBatchSize(embedsOrClassifies: modelDir is not null || classifierDir is not null), 1, 1_000_000);
        var csv = new CsvColumns(args.String("id-column"), args.String("title-column"), args.String("text-column") ?? "text", args.String("tags-column"));
        var settings = SettingsOption(args);
        args.EnsureAllUsed();

        var entries = CorpusIngestor.OpenInput(input, csv);
        if (modelDir is null && RecordedModel(indexDir) is { } recorded)
        {
            if (!Directory.Exists(recorded)) throw new DirectoryNotFoundException($"index '{indexDir}' is bound to the model in '{recorded}', which does not exist; pass --model DIR");
            modelDir = recorded;
            stderr.WriteLine($"model: {recorded} (recorded in the index)");
        }
        ITextEncoder? encoder = modelDir is null ? null : SentenceEncoderAdapter.Load(modelDir);
        var tagger = classifierDir is null ? null : ClassifierOption.Load(classifierDir, encoder?.Identity);
        bool existed = Directory.Exists(indexDir);
        using var writer = IndexWriter.Open(indexDir, encoder, modelDir, tagger: tagger, settings: settings);
        try { return Ingest(writer, indexDir, input, entries, encoder, tagger, batchSize, onError, csv, prune, stdout, stderr); }
        catch when (!existed && writer.CountDocuments() == 0)
        {
            // A refused input must not leave an empty index behind to be found (and bound) later.
            writer.Dispose();
            Directory.Delete(indexDir, recursive: true);
            throw;
        }
    }

    private static int Ingest(IndexWriter writer, string indexDir, string input, IEnumerable<CorpusEntry> entries, ITextEncoder? encoder,
                              SemanticSearch.Index.Tagging.DocumentTagger? tagger, int batchSize, OnError onError, CsvColumns csv, bool prune,
                              TextWriter stdout, TextWriter stderr)
    {
        if (tagger is null && writer.TaggingHead is { } head)
            stderr.WriteLine($"warning: index '{indexDir}' holds predicted tags of head {head.Id}{(head.Path is null ? "" : $" ({head.Path})")}; " +
                             "documents added or re-texted without --classifier get none (their old prediction is dropped)");
        if (encoder is null && writer.Model is not null)
            throw new CommandLineException($"index '{indexDir}' is bound to a model; pass --model {writer.Model.ModelPath ?? "DIR"}");
        var progress = new ProgressReporter(stderr, "docs", InputSizeEstimate.Records(input));
        var clock = Stopwatch.StartNew();
        var ingestor = new CorpusIngestor(writer, new IngestOptions { BatchSize = batchSize, OnError = onError, Csv = csv },
            warning => stderr.WriteLine($"warning: {warning}"), n => progress.Advance(n));
        var report = ingestor.Ingest(entries);
        progress.Finish();
        int pruned = 0;
        if (prune)
        {
            if (report.Skipped > 0) throw new CommandLineException($"--prune refused: {report.Skipped} malformed records were skipped and their ids are unknown, so documents they would keep could be deleted (the ingest itself is committed)");
            var stale = writer.Ids().Where(id => !ingestor.SeenIds.Contains(id)).ToList();
            pruned = writer.Delete(stale);
        }
        double secs = clock.Elapsed.TotalSeconds;
        stdout.WriteLine($"indexed {indexDir}: {report.Added} added, {report.Updated} updated, {report.Unchanged} unchanged, " +
                         $"{report.Skipped} skipped, {report.DuplicateIds} duplicate ids, {report.WindowsEmbedded} windows embedded{(prune ? $", {pruned} pruned" : "")}; " +
                         $"{report.Read} records in {secs:F1} s ({report.Read / Math.Max(secs, 1e-9):F0} docs/s), {writer.CountDocuments()} documents in index");
        return ExitCodes.Ok;
    }

    /// <summary>The model folder an existing index recorded (null: no index yet, keyword-only, or no path recorded).</summary>
    private static string? RecordedModel(string indexDir)
    {
        if (!SemanticSearch.Index.Storage.IndexFiles.IsIndex(indexDir)) return null;
        using var searcher = IndexSearcher.Open(indexDir);
        return searcher.Model?.ModelPath;
    }

    /// <summary>--analyzer / --bm25-k1 / --bm25-b: null when none is given (an existing index keeps what it recorded).</summary>
    internal static SemanticSearch.Index.Storage.IndexSettings? SettingsOption(CommandArgs args)
    {
        if (!args.Has("analyzer") && !args.Has("bm25-k1") && !args.Has("bm25-b") && !args.Has("title-boost")) return null;
        var defaults = new SemanticSearch.Index.Storage.IndexSettings();
        return new SemanticSearch.Index.Storage.IndexSettings
        {
            Analyzer = args.String("analyzer") ?? defaults.Analyzer,
            K1 = args.Double("bm25-k1", defaults.K1, 0, 10),
            B = args.Double("bm25-b", defaults.B, 0, 1),
            TitleBoost = args.Double("title-boost", defaults.TitleBoost, 0, 100),
        };
    }
}
