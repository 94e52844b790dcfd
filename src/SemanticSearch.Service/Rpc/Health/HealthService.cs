using Grpc.Health.V1;
using SemanticSearch.Service.Rpc.Server;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SemanticSearch.Service.Rpc.Health;

/// <summary>grpc.health.v1.Health backed by a <see cref="HealthStatusRegistry"/>.</summary>
public static class HealthService
{
    public static GrpcServiceDefinition Create(HealthStatusRegistry registry) =>
        GrpcServiceDefinition.For(HealthReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.ServiceDescriptor>("Health"))
            .AddUnary<HealthCheckRequest, HealthCheckResponse>("Check", (request, _) => Check(registry, request))
            .AddServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch",
                (request, responses, context) => WatchAsync(registry, request, responses, context))
            .Build();

    private static Task<HealthCheckResponse> Check(HealthStatusRegistry registry, HealthCheckRequest request)
    {
        if (!registry.TryGetStatus(request.Service, out var status))
        {
            throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        }
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    private static async Task WatchAsync(HealthStatusRegistry registry, HealthCheckRequest request,
        IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        var updates = registry.Watch(request.Service, out var unsubscribe);
        try
        {
            ServingStatus? lastSent = null;
            await foreach (var status in updates.ReadAllAsync(context.CancellationToken))
            {
                // The spec sends only changes; repeated SetStatus calls with the same value are silent.
                if (status != lastSent)
                {
                    await responses.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken);
                    lastSent = status;
                }
            }
        }
        finally
        {
            unsubscribe();
        }
        // Reaching here means the server is shutting down; UNAVAILABLE tells the client to re-watch elsewhere.
        throw new RpcException(StatusCode.Unavailable, "The server is shutting down.");
    }
}
