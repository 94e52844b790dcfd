using System.Net;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// How a gRPC host listens and what it allows a client: address, TLS, keys, message and connection
/// limits, deadlines. Every size, count and time has a finite default.
/// </summary>
public record GrpcEndpointSettings
{
    public IPAddress Address { get; init; } = IPAddress.Loopback;
    /// <summary>0 = an ephemeral port (printed when ready).</summary>
    public int Port { get; init; } = 50051;
    /// <summary>Required as "authorization: Bearer KEY" on every call but health checks; null = open.</summary>
    public string? ApiKey { get; init; }
    /// <summary>
    /// When set, the writing and job methods (Upsert, Delete, StartFineTune, CancelJob, ActivateModel)
    /// need this key; the API key then only reads. Null = the API key (or nothing) allows everything.
    /// </summary>
    public string? AdminKey { get; init; }
    public string? TlsCertificatePath { get; init; }
    public string? TlsKeyPath { get; init; }
    /// <summary>Allows a non-loopback address without both a key and TLS (say so explicitly).</summary>
    public bool Insecure { get; init; }
    public bool CompressResponses { get; init; }
    public int MaxReceiveMessageBytes { get; init; } = 4 * 1024 * 1024;
    public int MaxSendMessageBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Deadline given to a unary call whose client sent none.</summary>
    public TimeSpan DefaultUnaryDeadline { get; init; } = TimeSpan.FromSeconds(60);
    public int MaxConnections { get; init; } = 256;
    public int MaxStreamsPerConnection { get; init; } = 100;
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a stop waits for in-flight calls before cancelling them.</summary>
    public TimeSpan ShutdownDrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that cannot be used.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"port must be between 0 and 65535, got {Port}");
        if (TlsKeyPath is not null && TlsCertificatePath is null) throw new ArgumentException("tls-key was given without tls-cert");
        if (TlsCertificatePath is not null && !File.Exists(TlsCertificatePath)) throw new ArgumentException($"tls-cert file '{TlsCertificatePath}' does not exist");
        if (TlsKeyPath is not null && !File.Exists(TlsKeyPath)) throw new ArgumentException($"tls-key file '{TlsKeyPath}' does not exist");
        if (ApiKey is { Length: 0 } || AdminKey is { Length: 0 }) throw new ArgumentException("an api key or admin key must not be empty");
        if (AdminKey is not null && AdminKey == ApiKey) throw new ArgumentException("the admin key must differ from the api key");
        if (MaxReceiveMessageBytes < 1024 || MaxSendMessageBytes < 1024) throw new ArgumentException("message size limits must be at least 1024 bytes");
        if (MaxConnections < 1 || MaxStreamsPerConnection < 1) throw new ArgumentException("connection and stream limits must be at least 1");
        if (DefaultUnaryDeadline <= TimeSpan.Zero) throw new ArgumentException("the default unary deadline must be positive");
        bool exposed = !IPAddress.IsLoopback(Address);
        if (exposed && !Insecure && (TlsCertificatePath is null || (ApiKey is null && AdminKey is null)))
            throw new ArgumentException(
                $"address {Address} is reachable from other machines, but the server has {(TlsCertificatePath is null ? "no TLS certificate" : "no api key")}: " +
                "give both a key and TLS, bind 127.0.0.1, or pass --insecure to serve it anyway");
    }
}
