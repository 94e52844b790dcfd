using System.Net;
using SemanticSearch.Service.Rpc.Hosting;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>Settings of a gRPC server; defaults match what reference gRPC servers do.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Loopback unless told otherwise: exposing the service is a deliberate choice.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>0 picks an ephemeral port; read the bound one from <see cref="GrpcServerHost.Port"/>.</summary>
    public int Port { get; set; }

    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Null = no limit on responses (the gRPC default).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Gzip responses for clients whose grpc-accept-encoding lists gzip.</summary>
    public bool CompressResponses { get; set; }

    /// <summary>When set, calls must carry "authorization: Bearer {ApiKey}" or get UNAUTHENTICATED.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Services callable without the API key (load balancers probe health without secrets).</summary>
    public ISet<string> AuthenticationExemptServices { get; } = new HashSet<string>(StringComparer.Ordinal) { "grpc.health.v1.Health" };

    /// <summary>How long shutdown waits for in-flight calls before cancelling them.</summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>When set the server speaks HTTP/2 over TLS (ALPN "h2"); otherwise h2c with prior knowledge.</summary>
    public ServerTlsOptions? Tls { get; set; }
}
