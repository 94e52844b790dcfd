using Google.Protobuf.Reflection;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>The four gRPC call shapes, as declared by `stream` on a method's input/output.</summary>
public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

public static class MethodDescriptorExtensions
{
    public static MethodType GetMethodType(this MethodDescriptor method) =>
        (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            (true, true) => MethodType.DuplexStreaming,
        };

    /// <summary>The HTTP/2 :path of the method: "/package.Service/Method".</summary>
    public static string GetPath(this MethodDescriptor method) => $"/{method.Service.FullName}/{method.Name}";
}
