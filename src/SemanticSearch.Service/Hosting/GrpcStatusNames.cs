using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace SemanticSearch.Service.Hosting;

/// <summary>Canonical status names (NOT_FOUND, not NotFound) and trailers-only status responses.</summary>
public static class GrpcStatusNames
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    public static string Of(StatusCode code) => (int)code is >= 0 and < 17 ? Names[(int)code] : ((int)code).ToString();

    /// <summary>
    /// Answers a request before any service code runs: a gRPC trailers-only response, or for a
    /// REST (transcoded) request the JSON error body the transcoder would write.
    /// </summary>
    internal static Task WriteAsync(HttpContext http, StatusCode code, string message, int httpStatus)
    {
        if (IsGrpc(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = ((int)code).ToString();
            http.Response.Headers["grpc-message"] = message; // ASCII by construction
            return Task.CompletedTask;
        }
        http.Response.StatusCode = httpStatus;
        return http.Response.WriteAsJsonAsync(new { code = (int)code, message });
    }

    internal static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
