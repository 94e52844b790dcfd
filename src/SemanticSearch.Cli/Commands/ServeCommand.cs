using SemanticSearch.Service.Hosting;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch serve`: the gRPC front door over one index, until SIGTERM / Ctrl-C.</summary>
public sealed class ServeCommand : ICliCommand
{
    public string Name => "serve";
    public string Summary => "serve an index over gRPC (semanticsearch.v1.SearchService, FineTuneService, health, reflection)";
    public string Usage => """
        usage: semsearch serve --index DIR [--model DIR] [--classifier DIR] [--port N] [--address IP] [--api-key-file FILE] [--tls-cert FILE [--tls-key FILE]]

          --index DIR        index to serve (created if missing; bound to --model when given and empty)
          --model DIR        sentence-transformers model (default: the one the index records; none = keyword-only)
          --classifier DIR   tag documents received by Upsert with this classifier head (a model folder with
                             classifier/ inside, or the head folder), as 'index --classifier' does. Default: the
                             head the index's predicted tags come from (the model's own classifier/ head when it
                             is that head, else the recorded head folder); none if the index has no predicted tags
          --port N           TCP port (default 50051; 0 = any free port)
          --address IP       listen address (default 127.0.0.1)
          --api-key K        require "authorization: Bearer K" (health checks stay open). Visible in `ps`:
                             prefer --api-key-file FILE or the SEMSEARCH_API_KEY environment variable
          --admin-key K      (or --admin-key-file FILE, SEMSEARCH_ADMIN_KEY) Upsert, Delete, StartFineTune,
                             CancelJob and ActivateModel need this key; the api key then only reads
          --insecure         allow a non-loopback --address without both a key and TLS (refused otherwise)
          --data-root DIR    StartFineTune.server_file may name regular files inside DIR (default: refused)
          --model-roots D1:D2  ActivateModel.model_path may name model folders inside these (besides the
                             index's own models/, where fine-tuning jobs write)
          --max-receive-bytes N, --max-send-bytes N   gRPC message limits (default 4 MiB in, 16 MiB out)
          --default-deadline-seconds S   deadline of a unary call that sends none (default 60)
          --max-connections N, --max-streams-per-connection N   Kestrel limits (default 256, 100)
          --max-training-batch-tokens N   refuse (RESOURCE_EXHAUSTED) a fine-tuning step larger than
                             batch_size × texts × sequence length = N (default 65536)
          --tls-cert FILE    PEM certificate: serve HTTP/2 over TLS
          --tls-key FILE     PEM private key (when not inside --tls-cert)
          --searchers N      queries answered in parallel (default: cores, 2..8)

        Every option can also come from appsettings.json in the working directory or from environment
        variables SEMSEARCH_INDEX, SEMSEARCH_PORT, SEMSEARCH_API_KEY, ... (command line wins).
        Prints "semsearch serve: listening on URL" on stdout when ready; logs (one line per call) go to stderr.
        SIGTERM or Ctrl-C: finish in-flight calls (new ones get UNAVAILABLE), flush writes, exit 0.
        """;

    private static readonly string[] Options = ["index", "model", "classifier", "port", "address", "api-key", "api-key-file", "admin-key", "admin-key-file",
        "tls-cert", "tls-key", "searchers", "data-root", "model-roots", "max-receive-bytes", "max-send-bytes", "default-deadline-seconds",
        "max-connections", "max-streams-per-connection", "max-training-batch-tokens", "shutdown-drain-seconds"];

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        var overrides = new List<KeyValuePair<string, string?>>();
        foreach (var name in Options)
            if (args.String(name) is { } value) overrides.Add(new(name, name == "model" ? ModelLocation.Resolve(value) : value));
        if (args.Flag("insecure")) overrides.Add(new("insecure", "true"));
        args.EnsureAllUsed();
        ServerSettings settings;
        try { settings = ServerSettings.From(ServerSettings.BuildConfiguration(overrides)); }
        catch (ArgumentException e) { throw new CommandLineException(e.Message); }
        using var loggers = ProductServerRunner.CreateConsoleLoggers();
        return ProductServerRunner.RunAsync(settings, stdout, loggers).GetAwaiter().GetResult();
    }
}
