using Microsoft.AspNetCore.Http;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>What a handler can know and set about the call it serves.</summary>
public sealed class ServerCallContext
{
    private readonly ServerCall _call;

    internal ServerCallContext(ServerCall call, string method, Metadata requestHeaders, DateTime deadline,
        CancellationToken cancellationToken, string peer, HttpContext httpContext)
    {
        _call = call;
        Method = method;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        Peer = peer;
        HttpContext = httpContext;
    }

    /// <summary>The full method path, e.g. "/semanticsearch.testing.v1.Echo/Unary".</summary>
    public string Method { get; }

    /// <summary>Custom metadata the client sent (protocol headers excluded).</summary>
    public Metadata RequestHeaders { get; }

    /// <summary>UTC deadline from grpc-timeout; <see cref="DateTime.MaxValue"/> when the client set none.</summary>
    public DateTime Deadline { get; }

    /// <summary>Fires when the deadline passes, the client cancels (RST_STREAM) or the server stops waiting.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The client address in gRPC's form, e.g. "ipv4:127.0.0.1:50123".</summary>
    public string Peer { get; }

    /// <summary>Metadata sent in the response headers; changes after the first response message are ignored.</summary>
    public Metadata ResponseHeaders { get; } = new();

    /// <summary>Metadata sent with the final status.</summary>
    public Metadata ResponseTrailers { get; } = new();

    /// <summary>Escape hatch for transport details (connection, TLS) that the gRPC surface does not model.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>Sends <see cref="ResponseHeaders"/> now, before any message (e.g. to unblock a waiting client).</summary>
    public Task WriteResponseHeadersAsync() => _call.SendHeadersAsync(CancellationToken);
}
