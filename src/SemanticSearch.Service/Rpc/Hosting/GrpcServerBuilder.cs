using Microsoft.AspNetCore.Builder;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Rpc.Hosting;

/// <summary>Collects options and services, then builds a <see cref="GrpcServerHost"/>.</summary>
public sealed class GrpcServerBuilder
{
    private readonly List<GrpcServiceDefinition> _services = new();
    private Action<WebApplicationBuilder>? _configureWebHost;

    public GrpcServerOptions Options { get; } = new();

    public GrpcServerBuilder Configure(Action<GrpcServerOptions> configure)
    {
        configure(Options);
        return this;
    }

    public GrpcServerBuilder AddService(GrpcServiceDefinition service)
    {
        if (_services.Any(s => s.Descriptor.FullName == service.Descriptor.FullName))
        {
            throw new InvalidOperationException($"Service {service.Descriptor.FullName} is already added.");
        }
        _services.Add(service);
        return this;
    }

    /// <summary>Hook for logging providers or extra DI services on the underlying web host.</summary>
    public GrpcServerBuilder ConfigureWebHost(Action<WebApplicationBuilder> configure)
    {
        _configureWebHost += configure;
        return this;
    }

    public GrpcServerHost Build()
    {
        if (Options.MaxReceiveMessageSize <= 0)
        {
            throw new InvalidOperationException("MaxReceiveMessageSize must be positive.");
        }
        return new GrpcServerHost(Options, _services, _configureWebHost);
    }
}
