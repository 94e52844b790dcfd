using System.Diagnostics;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model;
using SemanticSearch.Tensors;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch encode`: embeds the texts of a JSONL or .txt file with a sentence-transformers model.</summary>
public sealed class EncodeCommand : ICliCommand
{
    /// <summary>Texts read, encoded and written per step: bounds memory whatever the input size.</summary>
    private const int ChunkSize = 2048;

    public string Name => "encode";
    public string Summary => "embed texts from a JSONL or .txt file with a sentence-transformers model";
    public string Usage => """
        usage: semsearch encode --model DIR --input FILE --output FILE|- [--batch-size N] [--threads N]

          --model DIR       sentence-transformers folder (modules.json) or plain Hugging Face BERT folder
          --input FILE      JSON Lines {"id": "...", "text": "..."} per line, or .txt with one text per line
                            (id = line number)
          --output FILE|-   JSON Lines {"id": "...", "embedding": [...]} in input order; '-' = stdout.
                            Written to a temporary file and renamed, so a failed run leaves no partial output.
          --batch-size N    texts per forward pass (default 64)
          --threads N       compute threads (default: all cores); results do not depend on it
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string modelDir = ModelLocation.Resolve(args.RequiredString("model"));
        string input = args.RequiredString("input");
        string output = args.RequiredString("output");
        int batchSize = args.Int("batch-size", 64, min: 1, max: 65536);
        int threads = args.Int("threads", Environment.ProcessorCount, min: 1, max: 1024);
        args.EnsureAllUsed();
        if (!File.Exists(input)) throw new FileNotFoundException($"input file not found: {input}");

        using var threadScope = ComputeThreads.Use(threads);
        try
        {
            var clock = Stopwatch.StartNew();
            var encoder = SentenceEncoder.Load(modelDir);
            double loadSeconds = clock.Elapsed.TotalSeconds;
            long count = Encode(encoder, input, output, batchSize, stdout, stderr);
            double seconds = clock.Elapsed.TotalSeconds;
            stderr.WriteLine($"encoded {count} texts ({encoder.Dimension} dims) in {seconds:F2} s, model load {loadSeconds:F2} s, {count / Math.Max(seconds - loadSeconds, 1e-9):F1} texts/s");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is CheckpointFormatException or TokenizerFormatException)
        {
            stderr.WriteLine($"semsearch {Name}: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static long Encode(SentenceEncoder encoder, string input, string output, int batchSize, TextWriter stdout, TextWriter stderr)
    {
        var progress = new ProgressReporter(stderr, "texts", EncodeInputReader.CountLines(input));
        using var reader = new EncodeInputReader(input);
        using var writer = new EncodeOutputWriter(output, stdout);
        // Two chunk buffers: chunk i is written on a writer thread while chunk i+1 is read and encoded. With
        // bulk input the encoder runs whole batches on every compute thread (throughput schedule), so the
        // writer only borrows a core's time slices instead of leaving both cores idle between chunks.
        List<EncodeInputRecord> chunk = new(ChunkSize), written = new(ChunkSize);
        var texts = new string[ChunkSize];
        Task? writing = null;
        long count = 0;
        try
        {
            while (reader.ReadChunk(chunk, ChunkSize))
            {
                for (int i = 0; i < chunk.Count; i++) texts[i] = chunk[i].Text;
                var embeddings = encoder.Encode(new ArraySegment<string>(texts, 0, chunk.Count), batchSize);
                writing?.GetAwaiter().GetResult(); // the previous chunk is on disk (or its error surfaces here)
                (chunk, written) = (written, chunk);
                var records = written;
                writing = Task.Factory.StartNew(() =>
                {
                    for (int i = 0; i < records.Count; i++) writer.Write(records[i].Id, embeddings[i]);
                    writer.Flush();
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                count += records.Count;
                progress.Advance(records.Count);
                chunk.Clear();
            }
        }
        finally
        {
            // Never leave the writer running behind an exception: wait for it, and let the first error win.
            try { writing?.Wait(); } catch (AggregateException) when (writing!.IsFaulted) { }
        }
        writing?.GetAwaiter().GetResult();
        writer.Commit();
        progress.Finish();
        return count;
    }
}
