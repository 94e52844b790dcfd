using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// One log line per call: method, gRPC status, duration, peer. Runs as outer middleware around the
/// gRPC dispatcher, so it sees every call including the ones refused before any handler runs
/// (auth, unknown method, shutdown). The status is read from the trailers the dispatcher wrote
/// (or the headers of a trailers-only response).
/// </summary>
internal sealed class CallLoggingStartupFilter(ILoggerFactory loggers) : IStartupFilter
{
    private readonly ILogger _logger = loggers.CreateLogger("SemanticSearch.Service.Calls");

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (HttpContext http, RequestDelegate inner) =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await inner(http);
            }
            finally
            {
                string status = StatusOf(http);
                var level = status is "0" ? LogLevel.Information : LogLevel.Warning;
                _logger.Log(level, "call {Method} status={Status} duration_ms={DurationMs:F1} peer={Peer}",
                    http.Request.Path.Value, StatusName(status), clock.Elapsed.TotalMilliseconds, http.Connection.RemoteIpAddress);
            }
        });
        next(app);
    };

    private static string StatusOf(HttpContext http)
    {
        var trailers = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is not null && trailers.TryGetValue("grpc-status", out var t) && t.Count > 0) return t.ToString();
        if (http.Response.Headers.TryGetValue("grpc-status", out var h) && h.Count > 0) return h.ToString();
        return $"http-{http.Response.StatusCode}";
    }

    private static string StatusName(string status) =>
        int.TryParse(status, out int code) && Enum.IsDefined(typeof(Rpc.StatusCode), code) ? ((Rpc.StatusCode)code).ToString().ToUpperInvariant() : status;
}
