using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using SemanticSearch.Service.Rpc.Framing;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>
/// Turns one HTTP/2 request into one gRPC call: validates it at the HTTP level, routes
/// "/{service}/{method}" through the registered descriptors, applies auth, encoding and deadline
/// rules, runs the handler and always sends exactly one status.
/// </summary>
internal sealed class GrpcRequestDispatcher
{
    private readonly GrpcServerOptions _options;
    private readonly Dictionary<string, GrpcServiceDefinition> _services;
    private readonly InFlightCalls _inFlight;
    private readonly ApiKeyAuthenticator? _authenticator;
    private readonly ILogger _logger;

    public GrpcRequestDispatcher(GrpcServerOptions options, IEnumerable<GrpcServiceDefinition> services,
        InFlightCalls inFlight, ILogger logger)
    {
        _options = options;
        _services = services.ToDictionary(s => s.Descriptor.FullName, StringComparer.Ordinal);
        _inFlight = inFlight;
        _authenticator = string.IsNullOrEmpty(options.ApiKey) ? null : new ApiKeyAuthenticator(options.ApiKey);
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            return;
        }
        if (!GrpcProtocol.IsGrpcProtoContentType(request.ContentType))
        {
            // The spec asks for 415 here: the request is not gRPC, so a gRPC status would mean nothing.
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        LiftKestrelBodyLimits(http);

        var compress = _options.CompressResponses
            && MessageCompression.AcceptsGzip(request.Headers[GrpcProtocol.AcceptEncodingHeader]);
        var call = new ServerCall(http, _options.MaxSendMessageSize, compress);

        if (!_inFlight.TryEnter())
        {
            await call.CompleteAsync(StatusCode.Unavailable, "The server is shutting down.");
            return;
        }
        try
        {
            await DispatchAsync(http, call);
        }
        finally
        {
            _inFlight.Exit();
        }
    }

    private async Task DispatchAsync(HttpContext http, ServerCall call)
    {
        var request = http.Request;
        var (handler, routeError) = Route(request.Path.Value ?? "");
        if (handler is null)
        {
            await call.CompleteAsync(StatusCode.Unimplemented, routeError);
            return;
        }
        var serviceName = handler.Descriptor.Service.FullName;
        if (_authenticator is not null && !_options.AuthenticationExemptServices.Contains(serviceName)
            && !_authenticator.IsAuthorized(request.Headers.Authorization))
        {
            await call.CompleteAsync(StatusCode.Unauthenticated, "Missing or invalid bearer token.");
            return;
        }
        string requestEncoding = GrpcProtocol.IdentityEncoding;
        var encodingHeader = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (!MessageCompression.TryNormalize(encodingHeader, out requestEncoding))
        {
            // grpc-accept-encoding (always in our response headers) tells the client what would work.
            await call.CompleteAsync(StatusCode.Unimplemented,
                $"Unsupported grpc-encoding '{encodingHeader}'; supported: {GrpcProtocol.SupportedEncodings}.");
            return;
        }
        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (!string.IsNullOrEmpty(timeoutHeader))
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                // As reference servers do: a header the protocol defines but we cannot read is a protocol error.
                await call.CompleteAsync(StatusCode.Internal, $"Malformed grpc-timeout '{timeoutHeader}'.");
                return;
            }
            timeout = parsed;
        }
        await RunAsync(http, call, handler, requestEncoding, timeout);
    }

    private (ServerMethodHandler? Handler, string Error) Route(string path)
    {
        // "/package.Service/Method": exactly two non-empty segments.
        var parts = path.Split('/');
        if (parts.Length != 3 || parts[0].Length != 0 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return (null, $"Malformed method path '{path}'.");
        }
        if (!_services.TryGetValue(parts[1], out var service))
        {
            return (null, $"Unknown service {parts[1]}.");
        }
        if (service.Descriptor.FindMethodByName(parts[2]) is null)
        {
            return (null, $"Unknown method {parts[2]} for service {parts[1]}.");
        }
        return service.Handlers.TryGetValue(parts[2], out var handler)
            ? (handler, "")
            : (null, $"Method {parts[1]}/{parts[2]} is unimplemented.");
    }

    private async Task RunAsync(HttpContext http, ServerCall call, ServerMethodHandler handler,
        string requestEncoding, TimeSpan? timeout)
    {
        using var callCts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _inFlight.Abandoned);
        var deadlineReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadline = DateTime.MaxValue;
        using var deadlineCts = new CancellationTokenSource();
        if (timeout is { } t)
        {
            if (t <= TimeSpan.Zero)
            {
                await call.CompleteAsync(StatusCode.DeadlineExceeded, "Deadline exceeded before the call started.");
                return;
            }
            deadline = t >= DateTime.MaxValue - DateTime.UtcNow ? DateTime.MaxValue : DateTime.UtcNow + t;
            // Timers cannot span more than ~49 days; such deadlines are effectively "none".
            if (t < TimeSpan.FromDays(30))
            {
                deadlineCts.Token.Register(() =>
                {
                    deadlineReached.TrySetResult();
                    callCts.Cancel();
                });
                deadlineCts.CancelAfter(t);
            }
        }

        var context = new ServerCallContext(call, http.Request.Path.Value!, ReadRequestMetadata(http.Request),
            deadline, callCts.Token, FormatPeer(http.Connection), http);
        call.Context = context;
        var requests = new MessageReader(http.Request.BodyReader, _options.MaxReceiveMessageSize, requestEncoding);
        var handlerTask = InvokeAsync(handler, new MethodInvocation(requests, call, context), deadlineCts.Token, http.RequestAborted);

        if (await Task.WhenAny(handlerTask, deadlineReached.Task) == deadlineReached.Task)
        {
            // Answer at the deadline even if the handler ignores its token; its later writes will fail.
            await call.CompleteAsync(StatusCode.DeadlineExceeded, "Deadline exceeded.");
            await handlerTask;
            return;
        }
        var (status, message, trailers) = await handlerTask;
        await call.CompleteAsync(status, message, trailers);
    }

    /// <summary>Runs the handler and maps however it ended to a status; never throws.</summary>
    private async Task<(StatusCode, string?, Metadata?)> InvokeAsync(ServerMethodHandler handler, MethodInvocation invocation,
        CancellationToken deadline, CancellationToken clientAborted)
    {
        try
        {
            await handler.InvokeAsync(invocation);
            return (StatusCode.OK, null, null);
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            return (StatusCode.DeadlineExceeded, "Deadline exceeded.", null);
        }
        catch (Exception) when (clientAborted.IsCancellationRequested)
        {
            return (StatusCode.Cancelled, "The client cancelled the call.", null);
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Detail, e.Trailers);
        }
        catch (Exception) when (_inFlight.Abandoned.IsCancellationRequested)
        {
            return (StatusCode.Unavailable, "The server shut down before the call finished.", null);
        }
        catch (Exception e)
        {
            // The exception text may hold internals (paths, SQL, stack): log it, tell the client nothing.
            _logger.LogError(e, "Unhandled exception in gRPC handler {Method}.", handler.Descriptor.FullName);
            return (StatusCode.Internal, "Exception was thrown by handler.", null);
        }
    }

    private static Metadata ReadRequestMetadata(HttpRequest request)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in request.Headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                try
                {
                    metadata.AddFromHeader(name, value ?? "");
                }
                catch (FormatException)
                {
                    // A "-bin" header that is not base64 cannot be represented; drop it, not the call.
                }
            }
        }
        return metadata;
    }

    private static string FormatPeer(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"ipv6:[{ip}]:{connection.RemotePort}",
        var ip => $"ipv4:{ip}:{connection.RemotePort}",
    };

    /// <summary>
    /// Kestrel's defaults (30 MB body cap, minimum upload rate) suit uploads, not long-lived streams
    /// that may sit idle; gRPC enforces its own per-message limit instead.
    /// </summary>
    private static void LiftKestrelBodyLimits(HttpContext http)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }
        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
    }
}
