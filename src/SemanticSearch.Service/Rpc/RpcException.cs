namespace SemanticSearch.Service.Rpc;

/// <summary>
/// A call that ended with a non-OK gRPC status. Handlers throw it to choose the status the client
/// sees; the client throws it when the server (or the transport) ended the call with one.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(StatusCode statusCode, string detail, Metadata? trailers = null, Exception? inner = null)
        : base($"Status(StatusCode=\"{statusCode}\", Detail=\"{detail}\")", inner)
    {
        StatusCode = statusCode;
        Detail = detail;
        Trailers = trailers ?? new Metadata();
    }

    public StatusCode StatusCode { get; }

    /// <summary>The human-readable status message (grpc-message), already percent-decoded.</summary>
    public string Detail { get; }

    /// <summary>Custom trailing metadata sent with (server) or received with (client) the status.</summary>
    public Metadata Trailers { get; }
}
