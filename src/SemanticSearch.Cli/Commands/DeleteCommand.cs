using SemanticSearch.Index;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch delete`: remove documents by id or by tag.</summary>
public sealed class DeleteCommand : ICliCommand
{
    public string Name => "delete";
    public string Summary => "delete documents by id or by tag";
    public string Usage => """
        usage: semsearch delete --index DIR (--id ID [--id ID …] | --tag T) [--dry-run]
               semsearch delete --server URL [--api-key K] (--id ID … | --tag T)   (through a running `semsearch serve`)

        Deletes in one commit; durable when the command reports success. Unknown ids are not an error.
        --dry-run lists the ids that would be deleted and changes nothing.
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Has("server")) return RemoteAdminCommands.Delete(args, stdout);
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"));
        var ids = args.Strings("id");
        string? tag = args.String("tag");
        bool dryRun = args.Flag("dry-run");
        args.EnsureAllUsed();
        if ((ids.Count == 0) == (tag is null)) throw new CommandLineException("give either --id (repeatable) or --tag");
        if (!Directory.Exists(indexDir)) throw new DirectoryNotFoundException($"index directory '{indexDir}' does not exist");
        using (var searcher = IndexSearcher.Open(indexDir)) // refuses a directory that is not an index instead of creating one
        {
            if (dryRun)
            {
                var matching = tag is null ? ids.Distinct(StringComparer.Ordinal).Where(id => searcher.Get(id) is not null).ToList() : searcher.IdsTagged(tag).ToList();
                foreach (var id in matching) stdout.WriteLine(id);
                stderr.WriteLine($"dry run: {matching.Count} document{(matching.Count == 1 ? "" : "s")} would be deleted of {searcher.Stats().Documents}; nothing changed");
                return ExitCodes.Ok;
            }
        }
        using var writer = IndexWriter.Open(indexDir);
        int deleted = tag is null ? writer.Delete(ids) : writer.DeleteByTag(tag);
        stdout.WriteLine($"deleted {deleted} document{(deleted == 1 ? "" : "s")}; {writer.CountDocuments()} remain");
        return ExitCodes.Ok;
    }
}
