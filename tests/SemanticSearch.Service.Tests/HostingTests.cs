using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Health.V1;

namespace SemanticSearch.Service.Tests;

public sealed class HostingTests
{
    private static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> HealthCheck =
        GrpcMethod<HealthCheckRequest, HealthCheckResponse>.From(HealthReflection.Descriptor.Services[0].FindMethodByName("Check"));

    [Fact]
    public async Task Ephemeral_port_is_bound_on_loopback_and_exposed()
    {
        await using var server = await TestServer.StartAsync();
        Assert.True(server.Host.Port > 0);
        Assert.Equal($"http://127.0.0.1:{server.Host.Port}/", server.Address.ToString());
    }

    [Fact]
    public async Task Api_key_is_required_except_for_health()
    {
        await using var server = await TestServer.StartAsync(o => o.ApiKey = "s3cret");
        using var anonymous = server.CreateClient();
        using var wrong = server.CreateClient(new GrpcClientOptions { BearerToken = "guess" });
        using var authorized = server.CreateClient(new GrpcClientOptions { BearerToken = "s3cret" });

        var missing = await Assert.ThrowsAsync<RpcException>(() => anonymous.UnaryAsync(TestServer.Unary, new EchoRequest()));
        var rejected = await Assert.ThrowsAsync<RpcException>(() => wrong.UnaryAsync(TestServer.Unary, new EchoRequest()));

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, rejected.StatusCode);
        Assert.Equal("ok", (await authorized.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "ok" })).Text);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await anonymous.UnaryAsync(HealthCheck, new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task A_host_that_never_started_disposes_cleanly()
    {
        var host = new GrpcServerBuilder().AddService(new EchoService().Build()).Build();
        await host.DisposeAsync();
        Assert.Equal(0, host.Port);
    }

    [Fact]
    public void Handler_for_an_undeclared_method_fails_at_startup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddUnary<EchoRequest, EchoReply>("Missing", (r, c) => Task.FromResult(new EchoReply())));
        Assert.Contains("Missing", error.Message);
    }

    [Fact]
    public void Handler_of_the_wrong_call_kind_fails_at_startup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddUnary<EchoRequest, EchoReply>("ServerStream", (r, c) => Task.FromResult(new EchoReply())));
        Assert.Contains("ServerStreaming", error.Message);
    }

    [Fact]
    public void Handler_with_the_wrong_message_types_fails_at_startup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddUnary<Empty, Empty>("Unary", (r, c) => Task.FromResult(new Empty())));
        Assert.Contains("EchoRequest", error.Message);
    }

    [Fact]
    public void The_same_service_cannot_be_added_twice()
    {
        var builder = new GrpcServerBuilder().AddService(new EchoService().Build());
        Assert.Throws<InvalidOperationException>(() => builder.AddService(new EchoService().Build()));
    }

    [Fact]
    public async Task Shutdown_lets_running_calls_finish_and_refuses_new_ones_with_unavailable()
    {
        await using var server = await TestServer.StartAsync(o => o.ShutdownDrainTimeout = TimeSpan.FromSeconds(10));
        using var client = server.CreateClient();
        var running = client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "finishing", SleepMs = 3000 });
        await server.Echo.SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var stopping = server.Host.StopAsync();
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "late" }));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("shutting down", refused.Detail);
        Assert.Equal("finishing", (await running).Text);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Calls_outliving_the_drain_timeout_are_cancelled_with_unavailable()
    {
        await using var server = await TestServer.StartAsync(o => o.ShutdownDrainTimeout = TimeSpan.FromMilliseconds(300));
        using var client = server.CreateClient();
        var running = client.UnaryAsync(TestServer.Unary, new EchoRequest { SleepMs = 30_000 });
        await server.Echo.SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        await server.Host.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));

        var error = await Assert.ThrowsAsync<RpcException>(() => running);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.True(server.Echo.CancellationObserved.Task.IsCompleted);
    }

    [Fact]
    public async Task Health_watchers_see_not_serving_at_shutdown()
    {
        var watch = GrpcMethod<HealthCheckRequest, HealthCheckResponse>.From(HealthReflection.Descriptor.Services[0].FindMethodByName("Watch"));
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        using var call = client.ServerStreaming(watch, new HealthCheckRequest());
        Assert.True(await call.ResponseStream.MoveNext());

        var stopping = server.Host.StopAsync();

        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, call.ResponseStream.Current.Status);
        var end = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unavailable, end.StatusCode);
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
    }

    public static TheoryData<string> CertificateSources => new() { "memory", "pfx", "pem" };

    [Theory]
    [MemberData(nameof(CertificateSources))]
    public async Task Tls_serves_http2_with_a_configured_certificate(string source)
    {
        using var certificate = CreateSelfSignedCertificate();
        var directory = Directory.CreateTempSubdirectory("grpc-tls-");
        try
        {
            var tls = source switch
            {
                "memory" => new ServerTlsOptions { Certificate = certificate },
                "pfx" => WritePfx(certificate, directory.FullName),
                _ => WritePem(certificate, directory.FullName),
            };
            await using var server = await TestServer.StartAsync(o => o.Tls = tls);
            Assert.Equal("https", server.Address.Scheme);
            using var client = server.CreateClient(new GrpcClientOptions
            {
                ServerCertificateValidation = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString(),
            });

            var reply = await client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "over tls" });

            Assert.Equal("over tls", reply.Text);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Tls_client_that_does_not_trust_the_certificate_gets_unavailable()
    {
        using var certificate = CreateSelfSignedCertificate();
        await using var server = await TestServer.StartAsync(o => o.Tls = new ServerTlsOptions { Certificate = certificate });
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary, new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private static ServerTlsOptions WritePfx(X509Certificate2 certificate, string directory)
    {
        var path = Path.Combine(directory, "server.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        return new ServerTlsOptions { PfxPath = path, PfxPassword = "pfx-password" };
    }

    private static ServerTlsOptions WritePem(X509Certificate2 certificate, string directory)
    {
        var certPath = Path.Combine(directory, "server.crt");
        var keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return new ServerTlsOptions { PemCertificatePath = certPath, PemKeyPath = keyPath };
    }
}
