using System.Diagnostics;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// One log line per call: method, canonical gRPC status name, duration, peer. Outermost middleware,
/// so it also sees the calls refused before any service runs (auth, unknown method). The status is
/// read from the trailers (or the headers of a trailers-only response).
/// </summary>
internal sealed class CallLoggingMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("SemanticSearch.Service.Calls");

    public async Task InvokeAsync(HttpContext http)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await next(http);
        }
        finally
        {
            string status = StatusOf(http);
            _logger.Log(status == "OK" ? LogLevel.Information : LogLevel.Warning, "call {Method} status={Status} duration_ms={DurationMs:F1} peer={Peer}",
                http.Request.Path.Value, status, clock.Elapsed.TotalMilliseconds, http.Connection.RemoteIpAddress);
        }
    }

    private static string StatusOf(HttpContext http)
    {
        var trailers = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        string? code = trailers is not null && trailers.TryGetValue("grpc-status", out var t) && t.Count > 0 ? t.ToString()
            : http.Response.Headers.TryGetValue("grpc-status", out var h) && h.Count > 0 ? h.ToString() : null;
        if (code is null) return $"http-{http.Response.StatusCode}"; // REST (transcoded) calls, or no gRPC status at all
        return int.TryParse(code, out int c) ? GrpcStatusNames.Of((StatusCode)c) : code;
    }
}
