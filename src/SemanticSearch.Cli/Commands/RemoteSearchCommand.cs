using System.Diagnostics;
using SemanticSearch.Index.Evaluation;
using SemanticSearch.Index.Tagging;
using SemanticSearch.Service.Api.V1;
using IndexSearch = SemanticSearch.Index.Search;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// `semsearch search --server URL …` (alias `remote-search`): the options and output of local
/// `search` (a table for --query or --like, a TREC run for --queries), answered by a running
/// `semsearch serve` instead of a local index.
/// </summary>
public sealed class RemoteSearchCommand : ICliCommand
{
    public string Name => "remote-search";
    public string Summary => "search through a running `semsearch serve` (same as `search --server URL`)";
    public string Usage => $"""
        usage: semsearch search --server URL (--query TEXT | --like ID | --queries FILE.jsonl --run FILE) [options]
               semsearch remote-search --server URL …   (the same)

        {RemoteServer.OptionsUsage}
          --mode, --top, --offset, --tag, --fusion, --rrf-k, --keyword-weight, --vector-weight, --alpha,
          --syntax, --predicted-tag, --min-confidence, --like, --queries/--run: as in `semsearch search --help`
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr) => RunRemote(args, stdout, stderr);

    /// <summary>Reads every option it knows from <paramref name="args"/>, calls the server and prints what local search prints.</summary>
    public static int RunRemote(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        using var server = RemoteServer.FromArgs(args);
        string? query = args.String("query");
        string? like = args.String("like");
        string? queriesPath = args.String("queries");
        string? runPath = args.String("run");
        // No --mode: the server picks (hybrid when the index has vectors and the model is loaded, else keyword).
        var mode = args.Choice("mode", "auto", "auto", "keyword", "vector", "hybrid") switch
        {
            "vector" => SearchMode.Vector,
            "hybrid" => SearchMode.Hybrid,
            "keyword" => SearchMode.Keyword,
            _ => SearchMode.Unspecified,
        };
        var template = new SearchRequest
        {
            Mode = mode,
            TopK = args.Int("top", queriesPath is null ? 10 : 100, 1, IndexSearch.SearchRequest.MaxTop),
            Offset = args.Int("offset", 0, 0, IndexSearch.SearchRequest.MaxOffset),
            Fusion = args.Choice("fusion", "rrf", "rrf", "linear") == "linear" ? Fusion.Linear : Fusion.ReciprocalRank,
            RrfK = args.Double("rrf-k", 60, 1e-9, 1e9),
            KeywordWeight = args.Double("keyword-weight", 1, 0, 1e6),
            VectorWeight = args.Double("vector-weight", 1, 0, 1e6),
            Alpha = args.Double("alpha", 0.5, 0, 1),
            AdvancedSyntax = SearchCommand.ParseSyntax(args),
        };
        template.Tags.AddRange(args.Strings("tag"));
        template.PredictedTags.AddRange(args.Strings("predicted-tag"));
        if (args.Has("min-confidence")) template.MinConfidence = args.Double("min-confidence", 0, 0, 1);
        args.EnsureAllUsed();

        int sources = (query is null ? 0 : 1) + (like is null ? 0 : 1) + (queriesPath is null ? 0 : 1);
        if (sources != 1) throw new CommandLineException("give exactly one of --query, --like or --queries");
        if (query is not null && string.IsNullOrWhiteSpace(query)) throw new CommandLineException("--query must not be empty");
        if ((queriesPath is null) != (runPath is null)) throw new CommandLineException("--queries and --run go together");
        // The same refusals as local search, before anything is sent.
        if (template.HasMinConfidence && template.PredictedTags.Count == 0) throw new CommandLineException("--min-confidence needs --predicted-tag");
        if (like is not null && template.PredictedTags.Count > 0) throw new CommandLineException("--predicted-tag does not apply to --like");

        if (like is not null)
        {
            var similar = new FindSimilarRequest { DocumentId = like, TopK = template.TopK, Offset = template.Offset };
            similar.Tags.AddRange(template.Tags);
            SearchResultTable.Write(stdout, ToResults(server.Run(c => c.FindSimilarAsync(similar, server.Call()))));
            return ExitCodes.Ok;
        }
        if (query is not null)
        {
            var clock = Stopwatch.StartNew();
            var request = template.Clone();
            request.Text = query;
            var response = server.Run(c => c.SearchAsync(request, server.Call()));
            SearchResultTable.Write(stdout, ToResults(response));
            stderr.WriteLine($"{response.Hits.Count} hits in {clock.Elapsed.TotalMilliseconds:F1} ms ({response.TookMicros / 1000.0:F1} ms on the server)");
            return ExitCodes.Ok;
        }
        return QueryRunWriter.Write(queriesPath!, runPath!, text =>
        {
            var request = template.Clone();
            request.Text = text;
            return server.Run(c => c.SearchAsync(request, server.Call())).Hits.Select(h => (h.Id, h.Score));
        }, $"round trip to {server.Address}", stdout, stderr);
    }

    /// <summary>The server's hits as the index layer's results, so the table is printed by the same code as local search.</summary>
    internal static IndexSearch.SearchResults ToResults(SearchResponse response) =>
        new(response.Hits.Select(h => new IndexSearch.SearchHit(h.Rank, h.Id, h.Title, h.Snippet, h.Score,
                h.HasKeywordScore ? h.KeywordScore : null, h.HasVectorScore ? h.VectorScore : null, h.Tags.ToArray())
            {
                PredictedTags = h.PredictedTags.Select(p => new PredictedTag(p.Label, p.Score)).ToArray(),
            }).ToList(),
            response.Mode switch
            {
                SearchMode.Vector => IndexSearch.SearchMode.Vector,
                SearchMode.Hybrid => IndexSearch.SearchMode.Hybrid,
                _ => IndexSearch.SearchMode.Keyword,
            });
}
