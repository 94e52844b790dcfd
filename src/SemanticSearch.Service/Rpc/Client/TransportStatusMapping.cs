using System.Net;
using System.Net.Http;

namespace SemanticSearch.Service.Rpc.Client;

/// <summary>
/// How transport-level outcomes become gRPC statuses on the client, following the tables in
/// PROTOCOL-HTTP2.md (HTTP status → code, RST_STREAM error → code).
/// </summary>
internal static class TransportStatusMapping
{
    public static StatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>HTTP/2 error codes (RFC 9113 §7) carried by RST_STREAM or GOAWAY.</summary>
    public static StatusCode FromHttp2Error(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable,        // REFUSED_STREAM: safe to retry elsewhere.
        0x8 => StatusCode.Cancelled,          // CANCEL
        0xB => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
        _ => StatusCode.Internal,             // NO_ERROR before trailers, PROTOCOL_ERROR, INTERNAL_ERROR, ...
    };

    /// <summary>Maps a failure while sending or reading; <paramref name="deadlineExceeded"/> wins over cancellation.</summary>
    public static RpcException FromException(Exception exception, bool deadlineExceeded, bool cancelledByCaller)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }
        if (deadlineExceeded)
        {
            return new RpcException(StatusCode.DeadlineExceeded, "Deadline exceeded.", inner: exception);
        }
        if (exception is OperationCanceledException || cancelledByCaller)
        {
            return new RpcException(StatusCode.Cancelled, "The call was cancelled.", inner: exception);
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return new RpcException(FromHttp2Error(protocol.ErrorCode), "HTTP/2 stream error: " + protocol.Message, inner: exception);
            }
        }
        // Connection refused, reset, TLS failure: the server could not be reached or went away.
        return new RpcException(StatusCode.Unavailable, "Transport failure: " + exception.Message, inner: exception);
    }
}
