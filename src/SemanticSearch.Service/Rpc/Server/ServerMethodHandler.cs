using Google.Protobuf;
using Google.Protobuf.Reflection;
using SemanticSearch.Service.Rpc.Framing;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>Everything one invocation needs: the request pipe, the response side and the context.</summary>
internal sealed record MethodInvocation(MessageReader Requests, ServerCall Call, ServerCallContext Context);

/// <summary>
/// A registered handler bound to its method descriptor. Requests are parsed with the descriptor's
/// input parser, so dispatch never depends on a hand-maintained table of types.
/// </summary>
internal abstract class ServerMethodHandler
{
    protected ServerMethodHandler(MethodDescriptor descriptor) => Descriptor = descriptor;

    public MethodDescriptor Descriptor { get; }

    public abstract MethodType Type { get; }

    public abstract Task InvokeAsync(MethodInvocation invocation);

    /// <summary>Reads the single request of a unary or server-streaming call.</summary>
    protected async Task<TRequest> ReadSingleRequestAsync<TRequest>(MethodInvocation invocation) where TRequest : class, IMessage
    {
        var token = invocation.Context.CancellationToken;
        var payload = await invocation.Requests.ReadMessageAsync(token)
            ?? throw new RpcException(StatusCode.Internal, "The request stream ended without a message.");
        if (await invocation.Requests.ReadMessageAsync(token) is not null)
        {
            throw new RpcException(StatusCode.Internal,
                $"More than one request message was sent to {Descriptor.GetMethodType()} method {Descriptor.FullName}.");
        }
        return RequestStreamReader<TRequest>.Parse(Descriptor.InputType.Parser, payload);
    }

    protected RequestStreamReader<TRequest> RequestStream<TRequest>(MethodInvocation invocation) where TRequest : class, IMessage =>
        new(invocation.Requests, Descriptor.InputType.Parser, invocation.Context.CancellationToken);

    protected static ResponseStreamWriter<TResponse> ResponseStream<TResponse>(MethodInvocation invocation) where TResponse : class, IMessage =>
        new(invocation.Call, invocation.Context.CancellationToken);

    protected static async Task WriteSingleResponseAsync(MethodInvocation invocation, IMessage? response)
    {
        if (response is null)
        {
            throw new InvalidOperationException("The handler returned a null response message.");
        }
        await invocation.Call.WriteMessageAsync(response, invocation.Context.CancellationToken);
    }
}

internal sealed class UnaryMethodHandler<TRequest, TResponse>(
    MethodDescriptor descriptor, Func<TRequest, ServerCallContext, Task<TResponse>> handler) : ServerMethodHandler(descriptor)
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    public override MethodType Type => MethodType.Unary;

    public override async Task InvokeAsync(MethodInvocation invocation)
    {
        var request = await ReadSingleRequestAsync<TRequest>(invocation);
        await WriteSingleResponseAsync(invocation, await handler(request, invocation.Context));
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(
    MethodDescriptor descriptor, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
    : ServerMethodHandler(descriptor)
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    public override MethodType Type => MethodType.ServerStreaming;

    public override async Task InvokeAsync(MethodInvocation invocation)
    {
        var request = await ReadSingleRequestAsync<TRequest>(invocation);
        await handler(request, ResponseStream<TResponse>(invocation), invocation.Context);
    }
}

internal sealed class ClientStreamingMethodHandler<TRequest, TResponse>(
    MethodDescriptor descriptor, Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> handler)
    : ServerMethodHandler(descriptor)
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    public override MethodType Type => MethodType.ClientStreaming;

    public override async Task InvokeAsync(MethodInvocation invocation) =>
        await WriteSingleResponseAsync(invocation, await handler(RequestStream<TRequest>(invocation), invocation.Context));
}

internal sealed class DuplexStreamingMethodHandler<TRequest, TResponse>(
    MethodDescriptor descriptor,
    Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
    : ServerMethodHandler(descriptor)
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    public override MethodType Type => MethodType.DuplexStreaming;

    public override Task InvokeAsync(MethodInvocation invocation) =>
        handler(RequestStream<TRequest>(invocation), ResponseStream<TResponse>(invocation), invocation.Context);
}
