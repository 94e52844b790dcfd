using System.Diagnostics;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Reembedding;
using SemanticSearch.Index.Storage;
using SemanticSearch.Tensors;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// `semsearch activate`: makes another model (e.g. a fine-tuned one) an index's model by re-embedding
/// every document with it (<see cref="IndexReembedder"/>), locally under the writer lock, or through
/// a running service's ActivateModel (<see cref="RemoteActivateCommand"/>).
/// </summary>
public sealed class ActivateCommand : ICliCommand
{
    public string Name => "activate";
    public string Summary => "re-embed an index with another model and switch it over (resumable)";
    public string Usage => """
        usage: semsearch activate --index DIR --model DIR [--batch-size N] [--threads N]
               semsearch activate --index DIR --abandon

          --index DIR        the index to re-embed (holds the writer lock for the whole run); a bare NAME means index/NAME
          --model DIR        the sentence-transformers model the index switches to; another dimension is allowed
          --batch-size N     documents embedded per committed batch (default 256)
          --threads N        compute threads for embedding (default: all cores)
          --abandon          drop the vectors staged by an unfinished activation; the index keeps its model

        The new vectors are staged beside the current ones in committed batches and swapped in with the
        model in one transaction at the end, so until then the index keeps its old model and vectors
        (readers see no mix). If the run is killed, running the same command again resumes at the first
        batch it had not committed ("resuming: N of M documents already re-embedded" on stderr).
        A keyword-only index gets its first vectors this way (it becomes vector-searchable).
        Exit codes: 0 when the model is active, including when the index already used that model
        ("already uses model …; nothing to re-embed", so a repeated run is harmless); 1 for an error
        (missing index or model, unloadable model, index locked by another writer, another model's
        activation unfinished); 2 for a usage error.
        """ + RemoteActivateCommand.UsageText;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Has("server")) return RemoteActivateCommand.RunRemote(args, stdout, stderr);
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"));
        bool abandon = args.Flag("abandon");
        string? modelDir = args.String("model") is { } m ? ModelLocation.Resolve(m) : null;
        int batchSize = args.Int("batch-size", 256, 1, 1_000_000);
        int threads = args.Int("threads", Environment.ProcessorCount, 1, 1024);
        args.EnsureAllUsed();
        if (abandon == (modelDir is not null)) throw new CommandLineException("give --model DIR (activate it) or --abandon (drop an unfinished activation)");
        // Checked first: the writer lock and a write connection would create a missing directory.
        ModelBinding? current = ReadBinding(indexDir);
        if (abandon) return Abandon(indexDir, stdout);

        if (!Directory.Exists(modelDir)) throw new DirectoryNotFoundException($"model directory '{modelDir}' does not exist");
        using var threadScope = ComputeThreads.Use(threads);
        var encoder = new SentenceEncoderAdapter(ModelLoading.Load(modelDir!));
        using var writerLock = AcquireLock(indexDir);
        current = ReadBinding(indexDir); // again under the lock: another writer may have bound a model meanwhile
        if (current is not null && current.Identity == encoder.Identity && IndexReembedder.ReadPending(indexDir) is null)
        {
            stdout.WriteLine($"index {indexDir} already uses model {current.Identity.Fingerprint}{(current.ModelPath is null ? "" : $" ({current.ModelPath})")}; nothing to re-embed");
            return ExitCodes.Ok;
        }
        return Reembed(indexDir, encoder, modelDir!, batchSize, stdout, stderr);
    }

    private static int Reembed(string indexDir, ITextEncoder encoder, string modelDir, int batchSize, TextWriter stdout, TextWriter stderr)
    {
        var clock = Stopwatch.StartNew();
        IndexReembedder reembedder;
        try { reembedder = IndexReembedder.Open(indexDir, encoder, modelDir); }
        catch (ReembedConflictException e)
        {
            throw new InvalidOperationException($"{e.Message} (run this command with that model to finish it, or 'semsearch activate --index {indexDir} --abandon' to drop it)", e);
        }
        using var _ = reembedder;
        var start = reembedder.Progress();
        if (reembedder.Resumed)
            stderr.WriteLine($"resuming: {start.DocumentsDone} of {start.DocumentsTotal} documents already re-embedded with model {reembedder.Pending.Identity.Fingerprint}");
        if (reembedder.Current is { } old && old.Identity.Dimension != reembedder.Pending.Identity.Dimension)
            stderr.WriteLine($"note: dimension changes {old.Identity.Dimension} → {reembedder.Pending.Identity.Dimension}: every vector is replaced");
        var progress = new ProgressReporter(stderr, "docs", start.DocumentsTotal - start.DocumentsDone);
        long embedded = 0;
        for (int n; (n = reembedder.EmbedNextBatch(batchSize)) > 0;) { embedded += n; progress.Advance(n); }
        // Nothing else writes while we hold the lock, but a resumed run may find documents changed
        // after the killed run staged them: those are embedded again here.
        for (int n; (n = reembedder.CatchUp(batchSize)) > 0;) { embedded += n; progress.Advance(n); }
        var bound = reembedder.Complete();
        progress.Finish();
        double secs = clock.Elapsed.TotalSeconds;
        long windows;
        using (var searcher = SemanticSearch.Index.IndexSearcher.Open(indexDir)) windows = searcher.Stats().Windows;
        string from = reembedder.Current is { } c ? c.Identity.Fingerprint : "none (keyword-only)";
        stdout.WriteLine($"activated model {bound.ModelPath ?? modelDir} on {indexDir}: {embedded} documents re-embedded" +
                         (start.DocumentsDone > 0 ? $" ({start.DocumentsDone} more by an earlier run)" : "") +
                         $", {start.DocumentsTotal} documents and {windows} windows in index; {secs:F1} s ({embedded / Math.Max(secs, 1e-9):F0} docs/s); " +
                         $"model {from} → {bound.Identity.Fingerprint}");
        return ExitCodes.Ok;
    }

    private static int Abandon(string indexDir, TextWriter stdout)
    {
        using var writerLock = AcquireLock(indexDir);
        var pending = IndexReembedder.ReadPending(indexDir);
        if (pending is null)
        {
            stdout.WriteLine($"index {indexDir} has no unfinished activation; nothing to abandon");
            return ExitCodes.Ok;
        }
        using (var reembedder = IndexReembedder.Open(indexDir, new IdentityOnlyEncoder(pending.Identity), pending.ModelPath)) reembedder.Abandon();
        stdout.WriteLine($"abandoned the activation of model {pending.Identity.Fingerprint}{(pending.ModelPath is null ? "" : $" ({pending.ModelPath})")}; staged vectors dropped (no longer read; removed as documents are rewritten)");
        return ExitCodes.Ok;
    }

    /// <summary>The index's bound model (null: keyword-only); a clear error for a missing directory or a non-index.</summary>
    private static ModelBinding? ReadBinding(string indexDir)
    {
        using var searcher = SemanticSearch.Index.IndexSearcher.Open(indexDir);
        return searcher.Model;
    }

    private static WriterLock AcquireLock(string indexDir)
    {
        try
        {
            return WriterLock.Acquire(indexDir);
        }
        catch (IndexLockedException e)
        {
            throw new InvalidOperationException($"{e.Message}; wait for it to finish, or if it is a running 'semsearch serve', activate through it with --server URL", e);
        }
    }

    /// <summary>Only an identity: enough to open a pending re-embedding in order to abandon it (abandoning never embeds).</summary>
    private sealed class IdentityOnlyEncoder(EncoderIdentity identity) : ITextEncoder
    {
        public EncoderIdentity Identity => identity;
        public int ClsId => throw new NotSupportedException("abandoning never embeds");
        public int SepId => throw new NotSupportedException("abandoning never embeds");
        public int[] TokenIds(string text) => throw new NotSupportedException("abandoning never embeds");
        public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) => throw new NotSupportedException("abandoning never embeds");
    }
}
