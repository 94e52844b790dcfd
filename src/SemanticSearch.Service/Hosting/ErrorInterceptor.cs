using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// The one place handler exceptions become statuses. A <see cref="ServiceException"/> carries its
/// own; the index's <see cref="ModelMismatchException"/> is FAILED_PRECONDITION. Every status
/// message is bounded (<see cref="MaxMessageChars"/>), since messages may quote client input.
/// Anything else — a plain ArgumentException or KeyNotFoundException too — is a bug: it is logged
/// and the client gets INTERNAL without details.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public const int MaxMessageChars = 512;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception e) when (Translate(e, context) is { } status) { throw status; }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (Exception e) when (Translate(e, context) is { } status) { throw status; }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception e) when (Translate(e, context) is { } status) { throw status; }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(requestStream, responseStream, context); }
        catch (Exception e) when (Translate(e, context) is { } status) { throw status; }
    }

    /// <summary>The status to send instead of <paramref name="e"/>; null leaves it to Grpc.AspNetCore.</summary>
    private RpcException? Translate(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case RpcException { Status.Detail.Length: > MaxMessageChars } r:
                return new RpcException(new Status(r.StatusCode, Bound(r.Status.Detail)), r.Trailers);
            case RpcException:
                return null;
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return null; // the call was cancelled or its deadline passed: Grpc.AspNetCore reports which
            case ServiceException s:
                return new RpcException(new Status(s.Status, Bound(s.Message)));
            case ModelMismatchException m:
                return new RpcException(new Status(StatusCode.FailedPrecondition, Bound(m.Message)));
            default:
                logger.LogError(e, "{Method} failed with an unexpected {Type}", context.Method, e.GetType().Name);
                return new RpcException(new Status(StatusCode.Internal, "Exception was thrown by handler."));
        }
    }

    public static string Bound(string message) => message.Length <= MaxMessageChars ? message : message[..(MaxMessageChars - 3)] + "...";
}
