using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1Alpha;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Rpc.Reflection;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection: lets generic tools (grpcurl, grpc_cli, reflection
/// clients) discover the hosted services and fetch their FileDescriptorProtos.
/// </summary>
public static class ServerReflectionService
{
    public static ServiceDescriptor Descriptor => ReflectionReflection.Descriptor.Services[0];

    public static GrpcServiceDefinition Create(IEnumerable<ServiceDescriptor> services)
    {
        var index = new DescriptorIndex(services);
        return GrpcServiceDefinition.For(Descriptor)
            .AddDuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo",
                async (requests, responses, context) =>
                {
                    await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
                    {
                        await responses.WriteAsync(Answer(index, request), context.CancellationToken);
                    }
                })
            .Build();
    }

    /// <summary>One response per request; lookup failures are in-band error_response messages, per the protocol.</summary>
    internal static ServerReflectionResponse Answer(DescriptorIndex index, ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                list.Service.AddRange(index.ServiceNames.Select(name => new ServiceResponse { Name = name }));
                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, index.FindFileByName(request.FileByFilename), $"File not found: {request.FileByFilename}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, index.FindFileBySymbol(request.FileContainingSymbol), $"Symbol not found: {request.FileContainingSymbol}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                // proto3 services define no extensions; say so precisely instead of failing the stream.
                SetError(response, StatusCode.NotFound,
                    $"Extension {request.FileContainingExtension.ExtensionNumber} of {request.FileContainingExtension.ContainingType} not found.");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (index.FindFileBySymbol(request.AllExtensionNumbersOfType) is null)
                {
                    SetError(response, StatusCode.NotFound, $"Type not found: {request.AllExtensionNumbersOfType}");
                }
                else
                {
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                }
                break;
            default:
                SetError(response, StatusCode.InvalidArgument, "The reflection request names no known lookup.");
                break;
        }
        return response;
    }

    private static void SetFile(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }
        var files = new FileDescriptorResponse();
        files.FileDescriptorProto.AddRange(DescriptorIndex.WithDependencies(file).Select(f => f.SerializedData));
        response.FileDescriptorResponse = files;
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
