using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Client;
using SemanticSearch.Service.Rpc;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// `semsearch remote-search --server URL`: the `search` options answered by a running
/// `semsearch serve` instead of a local index. `search --server URL` hands over to <see cref="RunRemote"/>.
/// </summary>
public sealed class RemoteSearchCommand : ICliCommand
{
    public string Name => "remote-search";
    public string Summary => "search through a running `semsearch serve` (same as `search --server URL`)";
    public string Usage => """
        usage: semsearch remote-search --server URL (--query TEXT | --like ID) [options]

          --server URL    e.g. http://127.0.0.1:50051 (https:// for TLS)
          --api-key K     bearer token if the server requires one (or SEMSEARCH_API_KEY)
          --mode M        keyword (default) | vector | hybrid
          --top K, --offset N, --tag T (repeatable), --fusion rrf|linear, --rrf-k K, --alpha A, --advanced
          --like ID       documents similar to stored document ID
          --timeout S     deadline in seconds (default 30)
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr) => RunRemote(args, stdout, stderr);

    /// <summary>Reads every option it knows from <paramref name="args"/>, calls the server and prints a table.</summary>
    public static int RunRemote(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string server = args.RequiredString("server");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            throw new CommandLineException($"--server must be an http:// or https:// URL, got '{server}'");
        string? apiKey = args.String("api-key") ?? Environment.GetEnvironmentVariable("SEMSEARCH_API_KEY");
        string? query = args.String("query");
        string? like = args.String("like");
        var mode = args.Choice("mode", "keyword", "keyword", "vector", "hybrid") switch
        {
            "vector" => SearchMode.Vector,
            "hybrid" => SearchMode.Hybrid,
            _ => SearchMode.Keyword,
        };
        int top = args.Int("top", 10, 1, 10_000);
        int offset = args.Int("offset", 0, 0, 100_000);
        var tags = args.Strings("tag");
        var fusion = args.Choice("fusion", "rrf", "rrf", "linear") == "linear" ? Fusion.Linear : Fusion.ReciprocalRank;
        double rrfK = args.Double("rrf-k", 60, 1e-9, 1e9);
        double alpha = args.Double("alpha", 0.5, 0, 1);
        bool advanced = args.Flag("advanced");
        double timeout = args.Double("timeout", 30, 0.001, 86_400);
        args.EnsureAllUsed();
        if ((query is null) == (like is null)) throw new CommandLineException("give exactly one of --query or --like");

        using var client = new SearchServiceClient(address, apiKey);
        var call = new Service.Rpc.Client.CallOptions { Timeout = TimeSpan.FromSeconds(timeout) };
        try
        {
            SearchResponse response;
            if (like is not null)
            {
                var similar = new FindSimilarRequest { DocumentId = like, TopK = top, Offset = offset };
                similar.Tags.AddRange(tags);
                response = client.FindSimilarAsync(similar, call).GetAwaiter().GetResult();
            }
            else
            {
                var request = new SearchRequest { Text = query, Mode = mode, TopK = top, Offset = offset, Fusion = fusion, RrfK = rrfK, Alpha = alpha, AdvancedSyntax = advanced };
                request.Tags.AddRange(tags);
                response = client.SearchAsync(request, call).GetAwaiter().GetResult();
            }
            Print(stdout, response);
            stderr.WriteLine($"{response.Hits.Count} hits in {response.TookMicros / 1000.0:F1} ms (server time)");
            return ExitCodes.Ok;
        }
        catch (RpcException e)
        {
            stderr.WriteLine($"semsearch: server {address} answered {e.StatusCode.ToString().ToUpperInvariant()}: {e.Detail}");
            return ExitCodes.Failure;
        }
    }

    private static void Print(TextWriter stdout, SearchResponse response)
    {
        stdout.WriteLine($"{"rank",4}  {"score",9}  {"id",-20}  title / snippet");
        foreach (var h in response.Hits)
        {
            string tags = h.Tags.Count == 0 ? "" : $"  [{string.Join(", ", h.Tags)}]";
            stdout.WriteLine($"{h.Rank,4}  {h.Score,9:F4}  {h.Id,-20}  {h.Title}{tags}");
            stdout.WriteLine($"{"",37}{h.Snippet}");
        }
    }
}
