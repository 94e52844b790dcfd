using System.IO.Compression;
using System.Security.Cryptography.X509Certificates;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// The composition root of a gRPC server on Grpc.AspNetCore: Kestrel with its limits, the services
/// a caller maps, grpc.health.v1 (Grpc.AspNetCore.HealthChecks, fed by <see cref="ServiceReadiness"/>),
/// server reflection v1 and v1alpha, JSON transcoding of annotated methods, and the request path
/// call logging → routing → API key → call deadlines → service (with <see cref="ErrorInterceptor"/>).
/// Stopping: health goes NOT_SERVING, watch streams end, in-flight calls get
/// <see cref="GrpcEndpointSettings.ShutdownDrainTimeout"/> to finish, then hosted services stop in
/// reverse order of registration (the caller's, registered before Kestrel's, stop after it).
/// </summary>
public sealed class GrpcHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcHost(WebApplication app, ServiceReadiness readiness)
    {
        _app = app;
        Readiness = readiness;
    }

    public IServiceProvider Services => _app.Services;
    public ServiceReadiness Readiness { get; }
    /// <summary>The bound address (valid after <see cref="StartAsync"/>; the real port when 0 was asked for).</summary>
    public Uri Address { get; private set; } = null!;
    public int Port => Address.Port;

    /// <param name="healthServices">service names grpc.health.v1 answers for, besides "" (the whole server)</param>
    /// <param name="isAdminMethod">"/package.Service/Method" → whether it needs the admin key</param>
    public static GrpcHost Create(GrpcEndpointSettings settings, ILoggerFactory loggers, Action<IServiceCollection> addServices,
        Action<IEndpointRouteBuilder> mapServices, IReadOnlyList<string> healthServices, Func<string, bool>? isAdminMethod = null)
    {
        settings.Validate();
        var readiness = new ServiceReadiness();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear(); // settings arrive validated; no second, unvalidated source
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(readiness);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownDrainTimeout);
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, settings));
        addServices(builder.Services); // before AddGrpc's hosted parts, so they stop after Kestrel
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = settings.MaxReceiveMessageBytes;
            o.MaxSendMessageSize = settings.MaxSendMessageBytes;
            o.EnableDetailedErrors = false;
            o.ResponseCompressionAlgorithm = settings.CompressResponses ? "gzip" : null;
            o.ResponseCompressionLevel = CompressionLevel.Fastest;
            o.Interceptors.Add<ErrorInterceptor>();
        }).AddJsonTranscoding(); // google.api.http annotations: REST+JSON on the same port, through the same interceptors
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(o =>
        {
            foreach (var name in healthServices) o.Services.Map(name, _ => true);
        }).AddCheck("ready", readiness);
        builder.Services.Configure<HealthCheckPublisherOptions>(o => { o.Delay = TimeSpan.Zero; o.Period = TimeSpan.FromSeconds(2); });

        var app = builder.Build();
        app.UseMiddleware<CallLoggingMiddleware>();
        app.UseRouting();
        app.UseMiddleware<ApiKeyMiddleware>(isAdminMethod ?? (_ => false));
        app.UseMiddleware<CallDeadlineMiddleware>();
        mapServices(app);
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        var log = loggers.CreateLogger("SemanticSearch.Service");
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            log.LogInformation("Stopping: shutting down gracefully (health NOT_SERVING, in-flight calls get up to {Seconds} s)", settings.ShutdownDrainTimeout.TotalSeconds);
            readiness.BeginStopping(health, healthServices.Prepend(""));
        });
        return new GrpcHost(app, readiness);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken);
        string bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(bound.Replace("[::]", "localhost").Replace("0.0.0.0", "127.0.0.1"));
    }

    /// <summary>Waits until the host stops (SIGTERM / Ctrl-C through the console lifetime, or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static void ConfigureKestrel(KestrelServerOptions kestrel, GrpcEndpointSettings settings)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxConcurrentConnections = settings.MaxConnections;
        kestrel.Limits.Http2.MaxStreamsPerConnection = settings.MaxStreamsPerConnection;
        kestrel.Limits.RequestHeadersTimeout = settings.RequestHeadersTimeout;
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        // A unary request body trickling in slower than this is dropped (Grpc.AspNetCore lifts the
        // rate for client-streaming calls, which may legitimately pause between messages).
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
        kestrel.Listen(settings.Address, settings.Port, listen =>
        {
            if (settings.TlsCertificatePath is null)
            {
                listen.Protocols = HttpProtocols.Http2; // cleartext: HTTP/2 with prior knowledge (h2c)
                return;
            }
            listen.Protocols = HttpProtocols.Http1AndHttp2; // ALPN picks h2 for gRPC
            listen.UseHttps(X509Certificate2.CreateFromPemFile(settings.TlsCertificatePath, settings.TlsKeyPath));
        });
    }
}
