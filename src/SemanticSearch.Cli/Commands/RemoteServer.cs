using Grpc.Core;
using SemanticSearch.Service.Client;
using SemanticSearch.Service.Hosting;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// The `--server URL [--api-key K] [--timeout S]` options shared by the remote forms of search,
/// index, delete and stats: one Grpc.Net.Client channel with the generated clients, one per-call deadline, and server errors turned into
/// one clear line naming the server and the gRPC status (exit code 1).
/// </summary>
internal sealed class RemoteServer : IDisposable
{
    public const string OptionsUsage = """
          --server URL    a running `semsearch serve`, e.g. http://127.0.0.1:50051 (https:// for TLS)
          --api-key K     bearer token if the server requires one (or SEMSEARCH_API_KEY)
          --timeout S     deadline per call in seconds (default 30; 600 for index)
        """;

    private readonly TimeSpan _timeout;

    public Uri Address { get; }
    public SearchServiceClient Client { get; }

    private RemoteServer(Uri address, string? apiKey, TimeSpan timeout)
    {
        Address = address; _timeout = timeout;
        Client = new SearchServiceClient(address, apiKey);
    }

    /// <summary>Reads --server, --api-key and --timeout; refuses --index next to --server.</summary>
    public static RemoteServer FromArgs(CommandArgs args, double defaultTimeoutSeconds = 30)
    {
        string server = args.RequiredString("server");
        if (args.Has("index")) throw new CommandLineException("give --index (a local index) or --server (a running service), not both");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            throw new CommandLineException($"--server must be an http:// or https:// URL, got '{server}'");
        string? apiKey = args.String("api-key") ?? Environment.GetEnvironmentVariable("SEMSEARCH_API_KEY");
        double timeout = args.Double("timeout", defaultTimeoutSeconds, 0.001, 86_400);
        return new RemoteServer(address, apiKey, TimeSpan.FromSeconds(timeout));
    }

    public CallOptions Call() => SearchServiceClient.Within(_timeout);

    /// <summary>Runs one call to completion; a gRPC error becomes an <see cref="InvalidOperationException"/> naming server and status.</summary>
    public T Run<T>(Func<SearchServiceClient, Task<T>> call)
    {
        try
        {
            return call(Client).GetAwaiter().GetResult();
        }
        catch (RpcException e)
        {
            throw new InvalidOperationException($"server {Address} answered {GrpcStatusNames.Of(e.StatusCode)}: {e.Status.Detail}", e);
        }
    }

    public void Dispose() => Client.Dispose();
}
