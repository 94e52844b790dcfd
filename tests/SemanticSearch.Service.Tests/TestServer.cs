using SemanticSearch.Service.Rpc.Client;
using SemanticSearch.Service.Rpc.Hosting;
using SemanticSearch.Service.Rpc.Server;
using SemanticSearch.Testing.V1;

namespace SemanticSearch.Service.Tests;

/// <summary>A real server on an ephemeral loopback port with the echo service, plus typed methods.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    public static readonly GrpcMethod<EchoRequest, EchoReply> Unary = Method("Unary");
    public static readonly GrpcMethod<EchoRequest, EchoReply> ServerStream = Method("ServerStream");
    public static readonly GrpcMethod<EchoRequest, EchoReply> ClientStream = Method("ClientStream");
    public static readonly GrpcMethod<EchoRequest, EchoReply> Bidi = Method("Bidi");

    private TestServer(GrpcServerHost host, EchoService echo)
    {
        Host = host;
        Echo = echo;
    }

    public GrpcServerHost Host { get; }

    public EchoService Echo { get; }

    public Uri Address => Host.Address;

    public static async Task<TestServer> StartAsync(Action<GrpcServerOptions>? configure = null)
    {
        var echo = new EchoService();
        var builder = new GrpcServerBuilder().AddService(echo.Build());
        configure?.Invoke(builder.Options);
        var host = builder.Build();
        await host.StartAsync();
        return new TestServer(host, echo);
    }

    public GrpcClient CreateClient(GrpcClientOptions? options = null) => new(Address, options);

    /// <summary>A plain HTTP/2 (prior knowledge) client for hand-built protocol requests.</summary>
    public HttpClient CreateRawClient() => new(new SocketsHttpHandler())
    {
        BaseAddress = Address,
        DefaultRequestVersion = System.Net.HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    private static GrpcMethod<EchoRequest, EchoReply> Method(string name) =>
        GrpcMethod<EchoRequest, EchoReply>.From(EchoService.Descriptor.FindMethodByName(name));
}
