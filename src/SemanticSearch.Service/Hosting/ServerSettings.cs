using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// Settings of the product server. Sources, later ones winning: appsettings.json (in the working
/// directory), environment variables with the SEMSEARCH_ prefix (SEMSEARCH_PORT, SEMSEARCH_API_KEY,
/// ...), then command-line options. Keys are case-insensitive; '-' and '_' are interchangeable.
/// </summary>
public sealed record ServerSettings : GrpcEndpointSettings
{
    public required string IndexDirectory { get; init; }
    /// <summary>Model folder; null = the folder the index records, or none for a keyword-only index.</summary>
    public string? ModelDirectory { get; init; }
    /// <summary>
    /// Classifier head (a head folder, or a model folder with classifier/) that tags upserted documents;
    /// null = the head the index records, if the server can load it (see IngestTaggerChoice).
    /// </summary>
    public string? ClassifierDirectory { get; init; }
    /// <summary>Reads (searches, gets, stats) running at once on the shared searcher; more wait in line.</summary>
    public int Searchers { get; init; } = Math.Clamp(2 * Environment.ProcessorCount, 4, 16);
    public int JobQueueCapacity { get; init; } = 16;
    /// <summary>
    /// The only folder StartFineTune.server_file may name a file in (null: server files are refused).
    /// </summary>
    public string? DataRoot { get; init; }
    /// <summary>
    /// Folders ActivateModel.model_path may name a model in (besides the index's own models/ folder,
    /// which holds the fine-tuning jobs' outputs). Empty: only job outputs can be activated by path.
    /// </summary>
    public IReadOnlyList<string> ModelRoots { get; init; } = [];
    /// <summary>
    /// Largest fine-tuning step, in tokens (batch_size × texts per example × sequence length); larger
    /// requests are RESOURCE_EXHAUSTED. The default admits batch 32 of triplets at 256 tokens with room.
    /// </summary>
    public long MaxTrainingBatchTokens { get; init; } = 65_536;

    /// <summary>Reads and validates the settings; throws <see cref="ArgumentException"/> naming the bad key.</summary>
    public static ServerSettings From(IConfiguration config)
    {
        string index = Get(config, "index") ?? throw new ArgumentException("the index directory is required (--index DIR or SEMSEARCH_INDEX)");
        var defaults = new ServerSettings { IndexDirectory = index };
        var settings = defaults with
        {
            ModelDirectory = Get(config, "model"),
            ClassifierDirectory = Get(config, "classifier"),
            Address = Get(config, "address") is { } a
                ? IPAddress.TryParse(a, out var ip) ? ip : throw new ArgumentException($"address '{a}' is not an IP address")
                : IPAddress.Loopback,
            Port = Int(config, "port", defaults.Port, 0, 65535),
            ApiKey = Secret(config, "api-key"),
            AdminKey = Secret(config, "admin-key"),
            TlsCertificatePath = Get(config, "tls-cert"),
            TlsKeyPath = Get(config, "tls-key"),
            Insecure = Bool(config, "insecure"),
            Searchers = Int(config, "searchers", defaults.Searchers, 1, 64),
            JobQueueCapacity = Int(config, "job-queue", defaults.JobQueueCapacity, 1, 10_000),
            ShutdownDrainTimeout = TimeSpan.FromSeconds(Int(config, "shutdown-drain-seconds", 10, 0, 3600)),
            CompressResponses = Bool(config, "compress-responses"),
            MaxReceiveMessageBytes = Int(config, "max-receive-bytes", defaults.MaxReceiveMessageBytes, 1024, 1 << 30),
            MaxSendMessageBytes = Int(config, "max-send-bytes", defaults.MaxSendMessageBytes, 1024, 1 << 30),
            DefaultUnaryDeadline = TimeSpan.FromSeconds(Int(config, "default-deadline-seconds", 60, 1, 86_400)),
            MaxConnections = Int(config, "max-connections", defaults.MaxConnections, 1, 100_000),
            MaxStreamsPerConnection = Int(config, "max-streams-per-connection", defaults.MaxStreamsPerConnection, 1, 10_000),
            DataRoot = Get(config, "data-root"),
            MaxTrainingBatchTokens = Int(config, "max-training-batch-tokens", (int)defaults.MaxTrainingBatchTokens, 512, int.MaxValue),
            ModelRoots = (Get(config, "model-roots") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>appsettings.json, then SEMSEARCH_* environment variables, then <paramref name="overrides"/>.</summary>
    public static IConfiguration BuildConfiguration(IEnumerable<KeyValuePair<string, string?>> overrides, string? basePath = null) =>
        new ConfigurationBuilder()
            .SetBasePath(basePath ?? Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables("SEMSEARCH_")
            .AddInMemoryCollection(overrides)
            .Build();

    private static string? Get(IConfiguration config, string key)
    {
        string? s = config[key] ?? config[key.Replace('-', '_')] ?? config[key.Replace("-", "")];
        return string.IsNullOrEmpty(s) ? null : s;
    }

    /// <summary>A key given directly (KEY) or, kept out of `ps` and the environment, in a file (KEY-file).</summary>
    private static string? Secret(IConfiguration config, string key)
    {
        string? direct = Get(config, key);
        string? file = Get(config, key + "-file");
        if (direct is not null && file is not null) throw new ArgumentException($"give {key} or {key}-file, not both");
        if (file is null) return direct;
        string value;
        try { value = File.ReadAllText(file).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ArgumentException($"{key}-file '{file}' cannot be read: {e.Message}"); }
        return value.Length > 0 ? value : throw new ArgumentException($"{key}-file '{file}' is empty");
    }

    private static bool Bool(IConfiguration config, string key) => Get(config, key) is { } s &&
        (bool.TryParse(s, out bool b) ? b : throw new ArgumentException($"{key} must be true or false, got '{s}'"));

    private static int Int(IConfiguration config, string key, int defaultValue, int min, int max)
    {
        string? s = Get(config, key);
        if (s is null) return defaultValue;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new ArgumentException($"{key} must be an integer between {min} and {max}, got '{s}'");
        return v;
    }
}
