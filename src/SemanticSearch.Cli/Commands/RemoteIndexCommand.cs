using System.Diagnostics;
using SemanticSearch.Index.Ingest;
using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// `semsearch index --server URL --input …`: reads the input with the same readers as local
/// `index` and streams it to a running service through Upsert, one call per --batch-size documents,
/// so each acknowledged call is durable on the server and progress counts acknowledged documents.
/// Malformed input records follow --on-error as locally; documents the server refuses are listed on
/// stderr and make the command exit non-zero (the other documents of that call are stored).
/// </summary>
internal static class RemoteIndexCommand
{
    public const string UsageText = $"""

        Remote form (the server embeds with its own model; --model is not taken):
          semsearch index --server URL --input FILE|FOLDER [--on-error skip|fail] [--batch-size N] [CSV column options]
        {RemoteServer.OptionsUsage}
          --batch-size N       documents per Upsert call (default 1000)
        """;

    public static int RunRemote(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        using var server = RemoteServer.FromArgs(args, defaultTimeoutSeconds: 600);
        string input = args.RequiredString("input");
        if (args.Has("model")) throw new CommandLineException("--model is not taken with --server: the server embeds with the model it serves");
        var onError = args.Choice("on-error", "fail", "skip", "fail") == "skip" ? OnError.Skip : OnError.Fail;
        int batchSize = args.Int("batch-size", 1000, 1, 1_000_000);
        var csv = new CsvColumns(args.String("id-column"), args.String("title-column"), args.String("text-column") ?? "text", args.String("tags-column"));
        args.EnsureAllUsed();

        var entries = CorpusIngestor.OpenInput(input, csv);
        var progress = new ProgressReporter(stderr, "docs", InputSizeEstimate.Records(input));
        var clock = Stopwatch.StartNew();
        var totals = new UpsertResponse();
        long read = 0, skipped = 0;
        var batch = new List<Document>(batchSize);
        foreach (var entry in entries)
        {
            read++;
            if (entry.Document is not { } d)
            {
                if (onError == OnError.Fail)
                    throw new CorpusFormatException($"{entry.Location}: {entry.Error} (nothing of the pending call of up to {batchSize} documents was sent; use --on-error skip to go on)");
                stderr.WriteLine($"warning: skipped {entry.Location}: {entry.Error}");
                skipped++;
                continue;
            }
            var document = new Document { Id = d.Id, Title = d.Title, Text = d.Text, MetadataJson = d.MetadataJson ?? "" };
            document.Tags.AddRange(d.Tags);
            batch.Add(document);
            if (batch.Count >= batchSize) Send(server, batch, totals, progress, stderr);
        }
        Send(server, batch, totals, progress, stderr);
        progress.Finish();
        double secs = clock.Elapsed.TotalSeconds;
        var stats = server.Run(c => c.StatsAsync(server.Call()));
        stdout.WriteLine($"indexed through {server.Address}: {totals.Added} added, {totals.Updated} updated, {totals.Unchanged} unchanged, " +
                         $"{totals.Failed} refused by the server, {skipped} skipped; {read} records in {secs:F1} s ({read / Math.Max(secs, 1e-9):F0} docs/s), " +
                         $"{stats.Documents} documents in index");
        if (totals.Failed > 0)
        {
            stderr.WriteLine($"semsearch index: error: the server refused {totals.Failed} document{(totals.Failed == 1 ? "" : "s")} (listed above); the others are stored");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }

    private static void Send(RemoteServer server, List<Document> batch, UpsertResponse totals, ProgressReporter progress, TextWriter stderr)
    {
        if (batch.Count == 0) return;
        long offset = totals.Received;
        var response = server.Run(c => c.UpsertAsync(batch, server.Call()));
        totals.Received += response.Received;
        totals.Added += response.Added;
        totals.Updated += response.Updated;
        totals.Unchanged += response.Unchanged;
        totals.Failed += response.Failed;
        foreach (var e in response.Errors)
            stderr.WriteLine($"warning: server refused document {offset + e.Position} ('{e.Id}'): {e.Message}");
        if (response.Received != batch.Count)
            throw new InvalidOperationException($"server {server.Address} acknowledged {response.Received} of {batch.Count} documents sent in one Upsert call");
        progress.Advance(batch.Count);
        batch.Clear();
    }
}
