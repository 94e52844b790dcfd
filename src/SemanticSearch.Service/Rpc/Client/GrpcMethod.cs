using Google.Protobuf;
using Google.Protobuf.Reflection;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Rpc.Client;

/// <summary>A method a client can call, typed by its generated request/response messages.</summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    private GrpcMethod(MethodDescriptor descriptor)
    {
        Descriptor = descriptor;
        Path = descriptor.GetPath();
        Type = descriptor.GetMethodType();
    }

    public MethodDescriptor Descriptor { get; }

    /// <summary>"/package.Service/Method".</summary>
    public string Path { get; }

    public MethodType Type { get; }

    internal MessageParser ResponseParser => Descriptor.OutputType.Parser;

    /// <exception cref="ArgumentException">When the generic types are not the descriptor's message types.</exception>
    public static GrpcMethod<TRequest, TResponse> From(MethodDescriptor descriptor)
    {
        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{descriptor.FullName} maps {descriptor.InputType.FullName} -> {descriptor.OutputType.FullName}, not {typeof(TRequest).Name} -> {typeof(TResponse).Name}.");
        }
        return new GrpcMethod<TRequest, TResponse>(descriptor);
    }
}
