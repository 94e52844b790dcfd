using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch delete --server URL …` and `semsearch stats --server URL`: the same as locally, through a running service.</summary>
internal static class RemoteAdminCommands
{
    public static int Delete(CommandArgs args, TextWriter stdout)
    {
        using var server = RemoteServer.FromArgs(args);
        var ids = args.Strings("id");
        string? tag = args.String("tag");
        args.EnsureAllUsed();
        if ((ids.Count == 0) == (tag is null)) throw new CommandLineException("give either --id (repeatable) or --tag");
        var request = new DeleteRequest();
        if (tag is not null) request.Tag = tag;
        else
        {
            request.Ids = new IdList();
            request.Ids.Ids.AddRange(ids);
        }
        long deleted = server.Run(c => c.DeleteAsync(request, server.Call())).Deleted;
        long remain = server.Run(c => c.StatsAsync(server.Call())).Documents;
        stdout.WriteLine($"deleted {deleted} document{(deleted == 1 ? "" : "s")}; {remain} remain");
        return ExitCodes.Ok;
    }

    public static int Stats(CommandArgs args, TextWriter stdout)
    {
        using var server = RemoteServer.FromArgs(args);
        args.EnsureAllUsed();
        var s = server.Run(c => c.StatsAsync(server.Call()));
        stdout.WriteLine($"server        {server.Address}");
        stdout.WriteLine($"documents     {s.Documents}");
        stdout.WriteLine($"vectors       {s.Vectors} (token windows)");
        stdout.WriteLine($"tags          {s.DistinctTags} distinct");
        stdout.WriteLine($"generation    {s.Generation} committed writes");
        stdout.WriteLine($"database      {s.DatabaseBytes / 1024.0 / 1024.0:F1} MiB (+ WAL)");
        if (s.ModelFingerprint.Length == 0) stdout.WriteLine("model         none (keyword-only)");
        else
        {
            stdout.WriteLine($"model         fingerprint {s.ModelFingerprint}");
            stdout.WriteLine($"  dimension   {s.Dimension}, max_seq_length {s.MaxSeqLength}, vector search {(s.VectorSearchAvailable ? "available" : "unavailable (model not loaded)")}");
        }
        if (s.PendingModelFingerprint.Length > 0) stdout.WriteLine($"re-embedding  with {s.PendingModelFingerprint} (old vectors served meanwhile)");
        // The same predicted-tag lines as local `stats`, plus whether the server tags what Upsert receives.
        if (s.TaggingHeadId.Length == 0 && s.PredictedByOtherHeadsDocuments == 0) stdout.WriteLine("predicted     none");
        else
        {
            if (s.TaggingHeadId.Length > 0)
                stdout.WriteLine($"predicted     head {s.TaggingHeadId}, {(s.TaggingAtIngest ? "tags upserted documents" : "upserted documents NOT tagged (the server could not load the head)")}");
            stdout.WriteLine($"  documents   {s.PredictedByHeadDocuments} classified by this head ({s.PredictedUnknownDocuments} unknown), " +
                             $"{s.PredictedByOtherHeadsDocuments} by an earlier head, {s.PredictedUntaggedDocuments} untagged");
            if (s.PredictedTagCounts.Count > 0)
                stdout.WriteLine("  tags        " + string.Join(", ", s.PredictedTagCounts.Take(20).Select(t => $"{t.Tag} {t.Documents}")) +
                                 (s.PredictedTagCounts.Count > 20 ? $", … ({s.PredictedTagCounts.Count} labels)" : ""));
        }
        return ExitCodes.Ok;
    }
}
