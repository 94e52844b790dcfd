using System.Globalization;
using SemanticSearch.Index;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch stats`: size and model binding of an index.</summary>
public sealed class StatsCommand : ICliCommand
{
    public string Name => "stats";
    public string Summary => "show document count, vectors, tags, predicted tags and model of an index";
    public string Usage => "usage: semsearch stats --index DIR\n       semsearch stats --server URL [--api-key K]   (a running `semsearch serve`)";

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Has("server")) return RemoteAdminCommands.Stats(args, stdout);
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"));
        args.EnsureAllUsed();
        using var searcher = IndexSearcher.Open(indexDir);
        var s = searcher.Stats();
        stdout.WriteLine($"index         {Path.GetFullPath(s.Directory)}");
        stdout.WriteLine($"documents     {s.Documents}");
        stdout.WriteLine($"vectors       {s.Windows} (token windows)");
        stdout.WriteLine($"tags          {s.DistinctTags} distinct");
        stdout.WriteLine($"generation    {s.Generation} committed writes");
        stdout.WriteLine($"index files   {s.DatabaseBytes / 1024.0 / 1024.0:F1} MiB");
        stdout.WriteLine($"analysis      {s.Settings.Describe()}");
        stdout.WriteLine($"created       {s.CreatedUtc}");
        if (s.Model is null) stdout.WriteLine("model         none (keyword-only)");
        else
        {
            stdout.WriteLine($"model         {s.Model.ModelPath ?? "(path not recorded)"}");
            stdout.WriteLine($"  fingerprint {s.Model.Identity.Fingerprint}");
            stdout.WriteLine($"  dimension   {s.Model.Identity.Dimension}, max_seq_length {s.Model.Identity.MaxSeqLength}, normalizes {s.Model.Identity.Normalizes}");
        }
        // A killed or running `activate` leaves the model it was switching to recorded beside the current one.
        if (SemanticSearch.Index.Reembedding.IndexReembedder.ReadPending(indexDir) is { } pending)
            stdout.WriteLine($"activating    {pending.ModelPath ?? "(path not recorded)"} (fingerprint {pending.Identity.Fingerprint}) unfinished: " +
                             "run 'semsearch activate' with that model to finish it, or 'activate --abandon' to drop it");
        WritePredicted(stdout, searcher.PredictedTagStats());
        return ExitCodes.Ok;
    }

    private static void WritePredicted(TextWriter stdout, PredictedTagStats p)
    {
        if (p.Head is null && p.ByOtherHeads == 0)
        {
            stdout.WriteLine("predicted     none (tag with 'index --classifier DIR' or 'retag')");
            return;
        }
        if (p.Head is { } head)
        {
            stdout.WriteLine($"predicted     head {head.Id} {head.Path ?? "(path not recorded)"}");
            stdout.WriteLine($"  head        {head.Description}, {head.Labels} labels, fingerprint {head.Fingerprint}");
        }
        stdout.WriteLine($"  documents   {p.ByCurrentHead} classified by this head ({p.UnknownByCurrentHead} unknown), " +
                         $"{p.ByOtherHeads} by an earlier head{(p.ByOtherHeads > 0 ? " (re-tag unfinished: run retag again)" : "")}, {p.Untagged} untagged");
        if (p.Tags.Count > 0)
            stdout.WriteLine("  tags        " + string.Join(", ", p.Tags.Take(20).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Tag} {t.Documents}"))) +
                             (p.Tags.Count > 20 ? $", … ({p.Tags.Count} labels)" : ""));
    }
}
