using SemanticSearch.Migration;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch migrate`: converts an index of the SQLite store of earlier versions into a Lucene index.</summary>
public sealed class MigrateCommand : ICliCommand
{
    public string Name => "migrate";
    public string Summary => "convert an index written by the SQLite store of earlier versions into a Lucene index";
    public string Usage => """
        usage: semsearch migrate --index DIR

        Builds the Lucene index beside DIR (DIR.migrating): documents, tags, metadata, hashes, predicted
        tags and their head, window vectors and the model binding. It checks the document count and the
        vectors of a sample of documents bit for bit, and only then swaps: DIR becomes
        DIR.sqlite-backup-TIME (delete it when satisfied) and the new index takes DIR's place.
        Interrupted before the swap, DIR is untouched; run the command again.
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"), stderr);
        args.EnsureAllUsed();
        var progress = (ProgressReporter?)null;
        var report = SqliteIndexMigrator.Migrate(indexDir, (done, total) =>
        {
            progress ??= new ProgressReporter(stderr, "docs", total);
            progress.Advance(done - progress.Done);
        });
        progress?.Finish();
        stdout.WriteLine($"migrated {indexDir}: {report.Documents} documents, {report.Windows} windows, {report.PredictedTagged} with predicted tags; " +
                         $"{report.VerifiedSamples} sampled documents' vectors verified bit-identical; the SQLite index is kept at {report.Backup}");
        return ExitCodes.Ok;
    }
}
