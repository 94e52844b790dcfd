using SemanticSearch.Index;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch stats`: size and model binding of an index.</summary>
public sealed class StatsCommand : ICliCommand
{
    public string Name => "stats";
    public string Summary => "show document count, vectors, tags and model of an index";
    public string Usage => "usage: semsearch stats --index DIR";

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"));
        args.EnsureAllUsed();
        using var searcher = IndexSearcher.Open(indexDir);
        var s = searcher.Stats();
        stdout.WriteLine($"index         {Path.GetFullPath(s.Directory)}");
        stdout.WriteLine($"documents     {s.Documents}");
        stdout.WriteLine($"vectors       {s.Windows} (token windows)");
        stdout.WriteLine($"tags          {s.DistinctTags} distinct");
        stdout.WriteLine($"generation    {s.Generation} committed writes");
        stdout.WriteLine($"database      {s.DatabaseBytes / 1024.0 / 1024.0:F1} MiB (+ WAL)");
        stdout.WriteLine($"created       {s.CreatedUtc}");
        if (s.Model is null) stdout.WriteLine("model         none (keyword-only)");
        else
        {
            stdout.WriteLine($"model         {s.Model.ModelPath ?? "(path not recorded)"}");
            stdout.WriteLine($"  fingerprint {s.Model.Identity.Fingerprint}");
            stdout.WriteLine($"  dimension   {s.Model.Identity.Dimension}, max_seq_length {s.Model.Identity.MaxSeqLength}, normalizes {s.Model.Identity.Normalizes}");
        }
        return ExitCodes.Ok;
    }
}
