using System.Diagnostics;
using SemanticSearch.Index;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch retag`: classifies every document of an index again with a (new) classifier head.</summary>
public sealed class RetagCommand : ICliCommand
{
    public string Name => "retag";
    public string Summary => "replace an index's predicted tags with those of a (new) classifier head";
    public string Usage => """
        usage: semsearch retag --index DIR --classifier DIR [--batch-size N]

          --index DIR        the index to re-tag (holds the writer lock for the whole run)
          --classifier DIR   a model folder with a head in classifier/, or a head folder; when the head was
                             trained on the index's model the stored vectors are reused, otherwise texts are
                             embedded with the head's own model
          --batch-size N     documents per committed transaction (default 256)

        Each batch replaces its documents' predicted tags in one transaction, so a document never
        carries tags of two heads. The index records the new head when the run starts; if the run is
        killed, committed batches carry the new head's tags and the rest the old head's ('semsearch
        stats' shows how many), and running the same command again continues where it stopped.
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"));
        string classifierDir = args.RequiredString("classifier");
        int batchSize = args.Int("batch-size", 256, 1, 1_000_000);
        args.EnsureAllUsed();

        Index.Storage.ModelBinding? model;
        using (var probe = IndexSearcher.Open(indexDir)) model = probe.Model;
        var tagger = ClassifierOption.Load(classifierDir, model?.Identity);
        ProgressReporter? progress = null;
        var clock = Stopwatch.StartNew();
        var report = Retagger.Run(indexDir, tagger, batchSize,
            started: pending => progress = new ProgressReporter(stderr, "docs", pending),
            batchCommitted: n => progress!.Advance(n));
        progress?.Finish();
        double secs = clock.Elapsed.TotalSeconds;
        long done = report.Tagged + report.Unknown;
        stdout.WriteLine($"retagged {indexDir} with head {tagger.HeadId} ({tagger.HeadPath}): {report.Tagged} documents tagged, {report.Unknown} unknown " +
                         $"(below threshold {tagger.Head.Config.Threshold:0.###}), {report.AlreadyTagged} already tagged by this head; " +
                         $"{done} documents in {secs:F1} s ({done / Math.Max(secs, 1e-9):F0} docs/s, " +
                         (tagger.ReusesEmbeddingsOf(model?.Identity) ? "stored vectors reused" : "embedded with the head's model") + ")");
        return ExitCodes.Ok;
    }
}
