using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// Server-side time bounds the client cannot switch off. A unary call without a grpc-timeout gets
/// the configured default (Grpc.AspNetCore then enforces it like a client deadline: the handler's
/// token fires and the call ends DEADLINE_EXCEEDED). Server-streaming calls that only wait for news
/// (WatchJob, Health.Watch) end when the server starts stopping, so a drain is not held up by them.
/// </summary>
internal sealed class CallDeadlineMiddleware(RequestDelegate next, GrpcEndpointSettings settings, ServiceReadiness readiness)
{
    private readonly string _defaultTimeout = ((long)Math.Ceiling(settings.DefaultUnaryDeadline.TotalMilliseconds)) + "m";

    public Task InvokeAsync(HttpContext http)
    {
        var method = http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
        if (method is null || !GrpcStatusNames.IsGrpc(http.Request)) return next(http);
        if (method.Type == MethodType.Unary && !http.Request.Headers.ContainsKey("grpc-timeout"))
            http.Request.Headers["grpc-timeout"] = _defaultTimeout;
        if (method.Type == MethodType.ServerStreaming && method.Name is "Watch" or "WatchJob")
            return RunUntilStopping(http);
        return next(http);
    }

    private async Task RunUntilStopping(HttpContext http)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, readiness.Stopping);
        http.RequestAborted = linked.Token;
        await next(http);
    }
}
