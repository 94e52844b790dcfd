using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Service.Hosting;
using SemanticSearch.Testing.V1;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The product's <see cref="GrpcHost"/> (Kestrel limits, auth, deadlines, error interceptor, health,
/// reflection) with the echo service instead of the product services, on an ephemeral loopback port.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(GrpcHost host, EchoService echo) { Host = host; Echo = echo; }

    public GrpcHost Host { get; }
    public EchoService Echo { get; }
    public Uri Address => Host.Address;
    public int Port => Host.Port;

    public static async Task<TestServer> StartAsync(GrpcEndpointSettings? settings = null, Func<string, bool>? isAdminMethod = null)
    {
        var echo = new EchoService();
        var host = GrpcHost.Create(settings ?? new GrpcEndpointSettings { Port = 0 }, NullLoggerFactory.Instance,
            services => services.AddSingleton(echo),
            endpoints => endpoints.MapGrpcService<EchoService>(),
            ["semanticsearch.testing.v1.Echo"], isAdminMethod);
        host.Readiness.MarkReady();
        await host.StartAsync();
        return new TestServer(host, echo);
    }

    /// <summary>The generated echo client over a Grpc.Net.Client channel, with an optional bearer key.</summary>
    public Echo.EchoClient Client(string? apiKey = null) => new(Channel(apiKey));

    public GrpcChannel Channel(string? apiKey = null)
    {
        var options = new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 };
        if (apiKey is not null)
        {
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, m) =>
            {
                m.Add("authorization", "Bearer " + apiKey);
                return Task.CompletedTask;
            }));
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        return GrpcChannel.ForAddress(Address, options);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
    }
}
