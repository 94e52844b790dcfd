using System.Net;
using Google.Protobuf;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Rpc.Client;

/// <summary>
/// A gRPC client over HttpClient speaking HTTP/2 only (prior knowledge for http://, ALPN for
/// https://). Thread-safe; calls share pooled connections.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _address;
    private readonly GrpcClientOptions _options;

    public GrpcClient(Uri address, GrpcClientOptions? options = null)
        : this(CreateHttpClient(options ?? new GrpcClientOptions()), address, options, ownsHttp: true)
    {
    }

    /// <summary>Uses a caller-provided HttpClient (e.g. with a custom handler); it is not disposed here.</summary>
    public GrpcClient(HttpClient http, Uri address, GrpcClientOptions? options = null)
        : this(http, address, options, ownsHttp: false)
    {
    }

    private GrpcClient(HttpClient http, Uri address, GrpcClientOptions? options, bool ownsHttp)
    {
        _http = http;
        _ownsHttp = ownsHttp;
        _address = address;
        _options = options ?? new GrpcClientOptions();
    }

    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage where TResponse : class, IMessage
    {
        using var call = Unary(method, request, options);
        return await call.ResponseAsync;
    }

    public UnaryCall<TRequest, TResponse> Unary<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage where TResponse : class, IMessage =>
        new(StartWithSingleRequest(method, MethodType.Unary, request, options));

    public ServerStreamingCall<TRequest, TResponse> ServerStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions? options = null)
        where TRequest : class, IMessage where TResponse : class, IMessage =>
        new(StartWithSingleRequest(method, MethodType.ServerStreaming, request, options));

    public ClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, CallOptions? options = null)
        where TRequest : class, IMessage where TResponse : class, IMessage =>
        new(CreateStarted(method, MethodType.ClientStreaming, options));

    public DuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, CallOptions? options = null)
        where TRequest : class, IMessage where TResponse : class, IMessage =>
        new(CreateStarted(method, MethodType.DuplexStreaming, options));

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private ClientCall<TRequest, TResponse> StartWithSingleRequest<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method,
        MethodType expected, TRequest request, CallOptions? options)
        where TRequest : class, IMessage where TResponse : class, IMessage
    {
        var call = Create(method, expected, options);
        // Queued before the request starts (the body channel holds one frame), so a message over the
        // send limit fails here and nothing reaches the server.
        var write = call.WriteAsync(request, CancellationToken.None);
        if (!write.IsCompletedSuccessfully)
        {
            call.Dispose();
            write.GetAwaiter().GetResult();
        }
        call.CompleteRequest();
        call.Start();
        return call;
    }

    private ClientCall<TRequest, TResponse> CreateStarted<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, MethodType expected, CallOptions? options)
        where TRequest : class, IMessage where TResponse : class, IMessage
    {
        var call = Create(method, expected, options);
        call.Start();
        return call;
    }

    private ClientCall<TRequest, TResponse> Create<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, MethodType expected, CallOptions? options)
        where TRequest : class, IMessage where TResponse : class, IMessage
    {
        if (method.Type != expected)
        {
            throw new ArgumentException($"{method.Descriptor.FullName} is a {method.Type} method, not {expected}.", nameof(method));
        }
        return new ClientCall<TRequest, TResponse>(_http, _address, method, _options, options);
    }

    private static HttpClient CreateHttpClient(GrpcClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // One TCP connection allows ~100 concurrent streams by default; open more when saturated.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        };
        if (options.ServerCertificateValidation is { } validate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = validate;
        }
        return new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan, // Deadlines are per call (grpc-timeout), not per client.
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }
}
