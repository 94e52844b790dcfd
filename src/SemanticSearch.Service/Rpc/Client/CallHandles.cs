using Google.Protobuf;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Rpc.Client;

/// <summary>Where a client writes its request stream; <see cref="CompleteAsync"/> half-closes it.</summary>
public interface IClientStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);

    Task CompleteAsync();
}

internal sealed class ClientRequestStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    public Task WriteAsync(TRequest message, CancellationToken cancellationToken = default) => call.WriteAsync(message, cancellationToken);

    public Task CompleteAsync()
    {
        call.CompleteRequest();
        return Task.CompletedTask;
    }
}

internal sealed class ClientResponseStream<TRequest, TResponse>(ClientCall<TRequest, TResponse> call) : IAsyncStreamReader<TResponse>
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    private TResponse? _current;

    public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        _current = await call.ReadNextAsync(cancellationToken);
        return _current is not null;
    }
}

/// <summary>Shared surface of every call handle: headers, trailers, cancellation by disposal.</summary>
public abstract class CallHandle<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    internal CallHandle(ClientCall<TRequest, TResponse> call) => Call = call;

    internal ClientCall<TRequest, TResponse> Call { get; }

    public Task<Metadata> ResponseHeadersAsync => Call.GetResponseHeadersAsync();

    /// <summary>Trailing metadata; populated once the call has completed.</summary>
    public Metadata GetTrailers() => Call.Trailers;

    /// <summary>Disposing an unfinished call cancels it (RST_STREAM).</summary>
    public void Dispose() => Call.Dispose();
}

public sealed class UnaryCall<TRequest, TResponse> : CallHandle<TRequest, TResponse>
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    internal UnaryCall(ClientCall<TRequest, TResponse> call) : base(call) => ResponseAsync = call.ReadSingleResponseAsync();

    public Task<TResponse> ResponseAsync { get; }
}

public sealed class ServerStreamingCall<TRequest, TResponse> : CallHandle<TRequest, TResponse>
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    internal ServerStreamingCall(ClientCall<TRequest, TResponse> call) : base(call) =>
        ResponseStream = new ClientResponseStream<TRequest, TResponse>(call);

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}

public sealed class ClientStreamingCall<TRequest, TResponse> : CallHandle<TRequest, TResponse>
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    private readonly Lazy<Task<TResponse>> _response;

    internal ClientStreamingCall(ClientCall<TRequest, TResponse> call) : base(call)
    {
        RequestStream = new ClientRequestStream<TRequest, TResponse>(call);
        _response = new Lazy<Task<TResponse>>(call.ReadSingleResponseAsync);
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The single response; complete <see cref="RequestStream"/> first unless the server answers early.</summary>
    public Task<TResponse> ResponseAsync => _response.Value;
}

public sealed class DuplexStreamingCall<TRequest, TResponse> : CallHandle<TRequest, TResponse>
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    internal DuplexStreamingCall(ClientCall<TRequest, TResponse> call) : base(call)
    {
        RequestStream = new ClientRequestStream<TRequest, TResponse>(call);
        ResponseStream = new ClientResponseStream<TRequest, TResponse>(call);
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IAsyncStreamReader<TResponse> ResponseStream { get; }
}
