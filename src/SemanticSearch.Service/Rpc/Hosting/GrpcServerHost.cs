using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SemanticSearch.Service.Rpc.Health;
using SemanticSearch.Service.Rpc.Reflection;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Rpc.Hosting;

/// <summary>
/// A running (or startable) gRPC server on Kestrel, HTTP/2 only: h2c with prior knowledge, or
/// HTTP/2 over TLS when a certificate is configured. Health and reflection are always hosted.
/// </summary>
public sealed class GrpcServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcServerOptions _options;
    private readonly InFlightCalls _inFlight = new();
    private int _stopped;

    internal GrpcServerHost(GrpcServerOptions options, IReadOnlyList<GrpcServiceDefinition> services,
        Action<WebApplicationBuilder>? configure)
    {
        _options = options;
        var all = new List<GrpcServiceDefinition>(services);
        Health = new HealthStatusRegistry();
        all.Add(HealthService.Create(Health));
        all.Add(ServerReflectionService.Create(all.Select(s => s.Descriptor).Append(ServerReflectionService.Descriptor)));
        foreach (var service in all)
        {
            Health.SetStatus(service.Descriptor.FullName, Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        }
        Health.SetStatus("", Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        Services = all;

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddLogging();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownDrainTimeout + TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.Tls is { } tls)
                {
                    // With TLS, ALPN negotiates "h2"; clients that cannot do HTTP/2 are refused.
                    listen.UseHttps(tls.LoadCertificate());
                }
            });
        });
        configure?.Invoke(builder);
        _app = builder.Build();
        var logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SemanticSearch.Service.Rpc");
        var dispatcher = new GrpcRequestDispatcher(options, all, _inFlight, logger);
        _app.Run(dispatcher.HandleAsync);
    }

    /// <summary>Per-service serving status reported by grpc.health.v1.Health.</summary>
    public HealthStatusRegistry Health { get; }

    /// <summary>Every hosted service, including health and reflection.</summary>
    public IReadOnlyList<GrpcServiceDefinition> Services { get; }

    /// <summary>The bound port (the real one when 0 was configured); valid after <see cref="StartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>"http://127.0.0.1:port" or "https://...": the address clients should dial.</summary>
    public Uri Address => new($"{(_options.Tls is null ? "http" : "https")}://{FormatHost(_options.Address)}:{Port}");

    /// <summary>Calls running right now (used by shutdown, and handy in tests).</summary>
    public int InFlightCalls => _inFlight.Count;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Port = new Uri(addresses.First()).Port;
    }

    /// <summary>
    /// Graceful stop: new calls get UNAVAILABLE and health reports NOT_SERVING while running calls
    /// get up to <see cref="GrpcServerOptions.ShutdownDrainTimeout"/> to finish; then the rest are
    /// cancelled and Kestrel closes its connections.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        Health.EnterShutdown();
        if (Port == 0)
        {
            return; // Never started: nothing to drain or stop.
        }
        await _inFlight.DrainAsync(_options.ShutdownDrainTimeout);
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
