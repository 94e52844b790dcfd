using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>
/// A service ready to be hosted: its generated descriptor plus the handlers an implementation
/// registered. Methods declared in the descriptor without a handler answer UNIMPLEMENTED.
/// </summary>
public sealed class GrpcServiceDefinition
{
    internal GrpcServiceDefinition(ServiceDescriptor descriptor, IReadOnlyDictionary<string, ServerMethodHandler> handlers)
    {
        Descriptor = descriptor;
        Handlers = handlers;
    }

    public ServiceDescriptor Descriptor { get; }

    internal IReadOnlyDictionary<string, ServerMethodHandler> Handlers { get; }

    public static Builder For(ServiceDescriptor descriptor) => new(descriptor);

    /// <summary>
    /// Registers handlers by method name. Every registration is checked against the descriptor
    /// (method exists, call kind and message types match) so a mistake fails at startup, not
    /// on the first request.
    /// </summary>
    public sealed class Builder
    {
        private readonly ServiceDescriptor _descriptor;
        private readonly Dictionary<string, ServerMethodHandler> _handlers = new(StringComparer.Ordinal);

        internal Builder(ServiceDescriptor descriptor) => _descriptor = descriptor ?? throw new ArgumentNullException(nameof(descriptor));

        public Builder AddUnary<TRequest, TResponse>(string method, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
            where TRequest : class, IMessage where TResponse : class, IMessage =>
            Add(new UnaryMethodHandler<TRequest, TResponse>(Resolve<TRequest, TResponse>(method, MethodType.Unary), handler));

        public Builder AddServerStreaming<TRequest, TResponse>(string method,
            Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
            where TRequest : class, IMessage where TResponse : class, IMessage =>
            Add(new ServerStreamingMethodHandler<TRequest, TResponse>(Resolve<TRequest, TResponse>(method, MethodType.ServerStreaming), handler));

        public Builder AddClientStreaming<TRequest, TResponse>(string method,
            Func<IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> handler)
            where TRequest : class, IMessage where TResponse : class, IMessage =>
            Add(new ClientStreamingMethodHandler<TRequest, TResponse>(Resolve<TRequest, TResponse>(method, MethodType.ClientStreaming), handler));

        public Builder AddDuplexStreaming<TRequest, TResponse>(string method,
            Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
            where TRequest : class, IMessage where TResponse : class, IMessage =>
            Add(new DuplexStreamingMethodHandler<TRequest, TResponse>(Resolve<TRequest, TResponse>(method, MethodType.DuplexStreaming), handler));

        public GrpcServiceDefinition Build() => new(_descriptor, new Dictionary<string, ServerMethodHandler>(_handlers));

        private Builder Add(ServerMethodHandler handler)
        {
            if (!_handlers.TryAdd(handler.Descriptor.Name, handler))
            {
                throw new InvalidOperationException($"A handler for {handler.Descriptor.FullName} is already registered.");
            }
            return this;
        }

        private MethodDescriptor Resolve<TRequest, TResponse>(string name, MethodType registeredAs)
        {
            var method = _descriptor.FindMethodByName(name)
                ?? throw new InvalidOperationException($"Service {_descriptor.FullName} declares no method '{name}'.");
            var declared = method.GetMethodType();
            if (declared != registeredAs)
            {
                throw new InvalidOperationException(
                    $"{method.FullName} is declared {declared} but its handler was registered as {registeredAs}.");
            }
            CheckType(method, "request", method.InputType, typeof(TRequest));
            CheckType(method, "response", method.OutputType, typeof(TResponse));
            return method;
        }

        private static void CheckType(MethodDescriptor method, string role, MessageDescriptor declared, Type registered)
        {
            if (declared.ClrType != registered)
            {
                throw new InvalidOperationException(
                    $"{method.FullName} takes {role} type {declared.FullName} ({declared.ClrType?.FullName}) but the handler uses {registered.FullName}.");
            }
        }
    }
}
