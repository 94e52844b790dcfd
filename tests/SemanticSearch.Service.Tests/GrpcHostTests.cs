using System.Net;
using Microsoft.AspNetCore.Builder;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.DependencyInjection;
using SemanticSearch.Service.Hosting;
using SemanticSearch.Testing.V1;
using ReflectionV1 = Grpc.Reflection.V1;
using ReflectionV1Alpha = Grpc.Reflection.V1Alpha;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// What our composition adds to Grpc.AspNetCore, through the generated Grpc.Net.Client echo client:
/// auth before routing, the admin key, the error interceptor, bounded messages, the default unary
/// deadline, health (readiness, stopping, Watch cleanup) and reflection v1 + v1alpha.
/// </summary>
public sealed class GrpcHostTests
{
    private static readonly CallOptions Quick = new(deadline: DateTime.UtcNow.AddMinutes(1));

    private static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    [Fact]
    public async Task Without_the_key_every_method_even_an_unknown_one_is_UNAUTHENTICATED_and_health_stays_open()
    {
        await using var server = await TestServer.StartAsync(new GrpcEndpointSettings { Port = 0, ApiKey = "k1" });
        var anonymous = server.Client();
        Assert.Equal(StatusCode.Unauthenticated, (await Refused(() => anonymous.UnaryAsync(new EchoRequest { Text = "x" }).ResponseAsync)).StatusCode);
        // An unknown method does not reveal that it is unknown before the key is checked.
        var notImplemented = await Refused(() => anonymous.NotImplementedAsync(new Google.Protobuf.WellKnownTypes.Empty()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, notImplemented.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Refused(() => server.Client("k1-wrong").UnaryAsync(new EchoRequest()).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.Unimplemented, (await Refused(() => server.Client("k1").NotImplementedAsync(new Google.Protobuf.WellKnownTypes.Empty()).ResponseAsync)).StatusCode);
        Assert.Equal("ok", (await server.Client("k1").UnaryAsync(new EchoRequest { Text = "ok" })).Text);
        var health = new Health.HealthClient(server.Channel());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task With_an_admin_key_the_api_key_only_reads()
    {
        await using var server = await TestServer.StartAsync(new GrpcEndpointSettings { Port = 0, ApiKey = "reader", AdminKey = "admin" },
            method => method == "/semanticsearch.testing.v1.Echo/ClientStream");
        async Task<string> Stream(string key)
        {
            using var call = server.Client(key).ClientStream();
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "a" });
            await call.RequestStream.CompleteAsync();
            return (await call.ResponseAsync).Text;
        }
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => Stream("reader"))).StatusCode);
        Assert.Equal("a", await Stream("admin"));
        Assert.Equal("r", (await server.Client("reader").UnaryAsync(new EchoRequest { Text = "r" })).Text);
        Assert.Equal("r", (await server.Client("admin").UnaryAsync(new EchoRequest { Text = "r" })).Text);
    }

    [Fact]
    public async Task Typed_exceptions_carry_their_status_while_a_plain_ArgumentException_is_INTERNAL_without_details()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client();
        var typed = await Refused(() => client.UnaryAsync(new EchoRequest { Text = EchoService.ThrowServiceText }).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "typed: the index is busy"), (typed.StatusCode, typed.Status.Detail));
        foreach (var text in new[] { EchoService.ThrowArgumentText, EchoService.ThrowText })
        {
            var bug = await Refused(() => client.UnaryAsync(new EchoRequest { Text = text }).ResponseAsync);
            Assert.Equal(StatusCode.Internal, bug.StatusCode);
            Assert.DoesNotContain("passwd", bug.Status.Detail);
        }
    }

    [Fact]
    public async Task Status_messages_are_bounded()
    {
        await using var server = await TestServer.StartAsync();
        var e = await Refused(() => server.Client().UnaryAsync(new EchoRequest { FailCode = 3, FailMessage = new string('x', 100_000) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.True(e.Status.Detail.Length <= ErrorInterceptor.MaxMessageChars, $"{e.Status.Detail.Length} chars");
    }

    [Fact]
    public async Task A_unary_call_without_a_deadline_gets_the_servers_default()
    {
        await using var server = await TestServer.StartAsync(new GrpcEndpointSettings { Port = 0, DefaultUnaryDeadline = TimeSpan.FromMilliseconds(300) });
        var e = await Refused(() => server.Client().UnaryAsync(new EchoRequest { Text = "slow", SleepMs = 30_000 }).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        await server.Echo.CancellationObserved.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the handler's token fired
    }

    [Fact]
    public async Task Health_is_NOT_SERVING_until_ready_and_a_watch_sees_NOT_SERVING_when_the_server_stops()
    {
        var host = GrpcHost.Create(new GrpcEndpointSettings { Port = 0 }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
            s => s.AddSingleton(new EchoService()), e => e.MapGrpcService<EchoService>(), ["semanticsearch.testing.v1.Echo"]);
        await host.StartAsync();
        var channel = Grpc.Net.Client.GrpcChannel.ForAddress(host.Address);
        var health = new Health.HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        host.Readiness.MarkReady();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "semanticsearch.testing.v1.Echo" })).Status);
        Assert.Equal(StatusCode.NotFound, (await Refused(() => health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync)).StatusCode);

        using var watch = health.Watch(new HealthCheckRequest(), Quick);
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        var stopping = host.StopAsync();
        var seen = new List<HealthCheckResponse.Types.ServingStatus>();
        while (await watch.ResponseStream.MoveNext()) seen.Add(watch.ResponseStream.Current.Status); // the stream ends: stop is not held up
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(HealthCheckResponse.Types.ServingStatus.NotServing, seen);
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Ten_thousand_cancelled_watches_of_random_names_leave_nothing_behind()
    {
        await using var server = await TestServer.StartAsync();
        var health = new Health.HealthClient(server.Channel());
        for (int wave = 0; wave < 100; wave++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
            {
                using var cancel = new CancellationTokenSource();
                using var watch = health.Watch(new HealthCheckRequest { Service = Guid.NewGuid().ToString("N") }, cancellationToken: cancel.Token);
                Assert.True(await watch.ResponseStream.MoveNext());
                Assert.Equal(HealthCheckResponse.Types.ServingStatus.ServiceUnknown, watch.ResponseStream.Current.Status);
                cancel.Cancel();
            }));
        }
        // The stock service keeps a watcher list per requested name; every one must be gone.
        var impl = server.Host.Services.GetRequiredService<HealthServiceImpl>();
        var watchers = (System.Collections.IDictionary)typeof(HealthServiceImpl)
            .GetField("watchers", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(impl)!;
        for (int i = 0; i < 100 && watchers.Count > 0; i++) await Task.Delay(50); // cancellations reach the server asynchronously
        Assert.Equal(0, watchers.Count);
    }

    [Fact]
    public async Task Reflection_answers_in_v1_and_v1alpha()
    {
        await using var server = await TestServer.StartAsync();
        var v1 = new ReflectionV1.ServerReflection.ServerReflectionClient(server.Channel());
        using (var call = v1.ServerReflectionInfo(Quick))
        {
            await call.RequestStream.WriteAsync(new ReflectionV1.ServerReflectionRequest { ListServices = "" });
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext());
            var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
            Assert.Contains("semanticsearch.testing.v1.Echo", names);
            Assert.Contains("grpc.health.v1.Health", names);
        }
        var alpha = new ReflectionV1Alpha.ServerReflection.ServerReflectionClient(server.Channel());
        using (var call = alpha.ServerReflectionInfo(Quick))
        {
            await call.RequestStream.WriteAsync(new ReflectionV1Alpha.ServerReflectionRequest { FileContainingSymbol = "semanticsearch.testing.v1.Echo" });
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.NotEmpty(call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto);
        }
    }

    [Fact]
    public void A_non_loopback_address_needs_a_key_and_TLS_or_an_explicit_insecure()
    {
        var open = new GrpcEndpointSettings { Address = IPAddress.Any };
        Assert.Contains("--insecure", Assert.Throws<ArgumentException>(open.Validate).Message);
        Assert.Throws<ArgumentException>((open with { ApiKey = "k" }).Validate); // a key over cleartext is still refused
        (open with { Insecure = true }).Validate();
        new GrpcEndpointSettings { Address = IPAddress.Loopback }.Validate();
        Assert.Throws<ArgumentException>(() => GrpcHost.Create(open, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, _ => { }, _ => { }, []));
    }
}
