using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// Settings of `semsearch serve`. Sources, later ones winning: appsettings.json (in the working
/// directory), environment variables with the SEMSEARCH_ prefix (SEMSEARCH_PORT, SEMSEARCH_API_KEY,
/// ...; "__" for nesting as usual), then command-line options. Keys are case-insensitive.
/// </summary>
public sealed record ServerSettings
{
    public required string IndexDirectory { get; init; }
    /// <summary>Model folder; null = the folder the index records, or none for a keyword-only index.</summary>
    public string? ModelDirectory { get; init; }
    /// <summary>
    /// Classifier head (a head folder, or a model folder with classifier/) that tags upserted documents;
    /// null = the head the index records, if the server can load it (see IngestTaggerChoice).
    /// </summary>
    public string? ClassifierDirectory { get; init; }
    public IPAddress Address { get; init; } = IPAddress.Loopback;
    /// <summary>0 = an ephemeral port (printed when ready).</summary>
    public int Port { get; init; } = 50051;
    public string? ApiKey { get; init; }
    public string? TlsCertificatePath { get; init; }
    public string? TlsKeyPath { get; init; }
    /// <summary>Reads (searches, gets, stats) running at once on the shared searcher; more wait in line.</summary>
    public int Searchers { get; init; } = Math.Clamp(2 * Environment.ProcessorCount, 4, 16);
    public int JobQueueCapacity { get; init; } = 16;
    public TimeSpan ShutdownDrainTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public bool CompressResponses { get; init; }

    /// <summary>Reads the settings; throws <see cref="ArgumentException"/> naming the bad key.</summary>
    public static ServerSettings From(IConfiguration config)
    {
        string index = config["index"] is { Length: > 0 } i ? i : throw new ArgumentException("the index directory is required (--index DIR or SEMSEARCH_INDEX)");
        var settings = new ServerSettings
        {
            IndexDirectory = index,
            ModelDirectory = NullIfEmpty(config["model"]),
            ClassifierDirectory = NullIfEmpty(config["classifier"]),
            Address = config["address"] is { Length: > 0 } a
                ? IPAddress.TryParse(a, out var ip) ? ip : throw new ArgumentException($"address '{a}' is not an IP address")
                : IPAddress.Loopback,
            Port = Int(config, "port", 50051, 0, 65535),
            ApiKey = NullIfEmpty(config["api-key"] ?? config["apikey"] ?? config["api_key"]),
            TlsCertificatePath = NullIfEmpty(config["tls-cert"] ?? config["tls_cert"]),
            TlsKeyPath = NullIfEmpty(config["tls-key"] ?? config["tls_key"]),
            Searchers = Int(config, "searchers", Math.Clamp(2 * Environment.ProcessorCount, 4, 16), 1, 64),
            JobQueueCapacity = Int(config, "job-queue", 16, 1, 10_000),
            ShutdownDrainTimeout = TimeSpan.FromSeconds(Int(config, "shutdown-drain-seconds", 10, 0, 3600)),
            CompressResponses = config["compress-responses"] is { Length: > 0 } c && bool.Parse(c),
        };
        if (settings.TlsKeyPath is not null && settings.TlsCertificatePath is null)
            throw new ArgumentException("tls-key was given without tls-cert");
        if (settings.TlsCertificatePath is not null && !File.Exists(settings.TlsCertificatePath))
            throw new ArgumentException($"tls-cert file '{settings.TlsCertificatePath}' does not exist");
        if (settings.TlsKeyPath is not null && !File.Exists(settings.TlsKeyPath))
            throw new ArgumentException($"tls-key file '{settings.TlsKeyPath}' does not exist");
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

    private static int Int(IConfiguration config, string key, int defaultValue, int min, int max)
    {
        string? s = config[key] ?? config[key.Replace('-', '_')];
        if (string.IsNullOrEmpty(s)) return defaultValue;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new ArgumentException($"{key} must be an integer between {min} and {max}, got '{s}'");
        return v;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
