using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SemanticSearch.Service.Tests;

public sealed class HealthAndReflectionTests : IAsyncLifetime
{
    private static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Check =
        GrpcMethod<HealthCheckRequest, HealthCheckResponse>.From(HealthReflection.Descriptor.Services[0].FindMethodByName("Check"));
    private static readonly GrpcMethod<HealthCheckRequest, HealthCheckResponse> Watch =
        GrpcMethod<HealthCheckRequest, HealthCheckResponse>.From(HealthReflection.Descriptor.Services[0].FindMethodByName("Watch"));
    private static readonly GrpcMethod<ServerReflectionRequest, ServerReflectionResponse> ReflectionInfo =
        GrpcMethod<ServerReflectionRequest, ServerReflectionResponse>.From(ReflectionReflection.Descriptor.Services[0].Methods[0]);

    private const string EchoName = "semanticsearch.testing.v1.Echo";
    private TestServer _server = null!;
    private GrpcClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Check_reports_the_server_and_each_hosted_service_as_serving()
    {
        foreach (var service in new[] { "", EchoName, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection" })
        {
            var response = await _client.UnaryAsync(Check, new HealthCheckRequest { Service = service });
            Assert.Equal(ServingStatus.Serving, response.Status);
        }
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.UnaryAsync(Check, new HealthCheckRequest { Service = "no.Such" }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Check_follows_status_changes()
    {
        _server.Host.Health.SetStatus(EchoName, ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, (await _client.UnaryAsync(Check, new HealthCheckRequest { Service = EchoName })).Status);
    }

    [Fact]
    public async Task Watch_streams_the_current_status_then_changes_only()
    {
        using var call = _client.ServerStreaming(Watch, new HealthCheckRequest { Service = EchoName });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);

        _server.Host.Health.SetStatus(EchoName, ServingStatus.Serving); // no change: nothing sent
        _server.Host.Health.SetStatus(EchoName, ServingStatus.NotServing);

        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_reports_service_unknown_until_it_appears()
    {
        using var call = _client.ServerStreaming(Watch, new HealthCheckRequest { Service = "later.Service" });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);

        _server.Host.Health.SetStatus("later.Service", ServingStatus.Serving);

        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
    }

    private async Task<List<ServerReflectionResponse>> ReflectAsync(params ServerReflectionRequest[] requests)
    {
        using var call = _client.DuplexStreaming(ReflectionInfo);
        var responses = new List<ServerReflectionResponse>();
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext());
            responses.Add(call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        return responses;
    }

    [Fact]
    public async Task List_services_names_every_hosted_service()
    {
        var response = (await ReflectAsync(new ServerReflectionRequest { ListServices = "" }))[0];
        Assert.Equal(
            new[] { "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", EchoName },
            response.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Theory]
    [InlineData(EchoName)]
    [InlineData(EchoName + ".Bidi")]
    [InlineData("semanticsearch.testing.v1.EchoRequest")]
    [InlineData("semanticsearch.testing.v1.EchoRequest.sleep_ms")]
    public async Task File_containing_symbol_returns_a_complete_buildable_descriptor_set(string symbol)
    {
        var response = (await ReflectAsync(new ServerReflectionRequest { FileContainingSymbol = symbol }))[0];
        var blobs = response.FileDescriptorResponse.FileDescriptorProto;

        var names = blobs.Select(b => FileDescriptorProto.Parser.ParseFrom(b).Name).ToList();
        Assert.Equal(new[] { "testing/echo.proto", "google/protobuf/empty.proto" }, names);
        // A client with no generated code can rebuild the schema from these bytes alone (dependencies first).
        var rebuilt = FileDescriptor.BuildFromByteStrings(blobs.Reverse());
        var echo = rebuilt.Single(f => f.Name == "testing/echo.proto").Services.Single();
        Assert.Equal(EchoName, echo.FullName);
        Assert.True(echo.FindMethodByName("Bidi").IsClientStreaming);
    }

    [Fact]
    public async Task File_by_filename_returns_the_health_proto()
    {
        var response = (await ReflectAsync(new ServerReflectionRequest { FileByFilename = "grpc/health/v1/health.proto" }))[0];
        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("grpc.health.v1", file.Package);
        Assert.Equal(new[] { "Check", "Watch" }, file.Service[0].Method.Select(m => m.Name));
        Assert.Equal("HealthCheckResponse", file.MessageType[1].Name);
    }

    [Fact]
    public async Task Unknown_lookups_answer_in_band_not_found_and_keep_the_stream_open()
    {
        var responses = await ReflectAsync(
            new ServerReflectionRequest { FileContainingSymbol = "no.such.Symbol" },
            new ServerReflectionRequest { FileByFilename = "missing.proto" },
            new ServerReflectionRequest { FileContainingExtension = new ExtensionRequest { ContainingType = "x.Y", ExtensionNumber = 100 } },
            new ServerReflectionRequest { ListServices = "*" });

        Assert.All(responses.Take(3), r => Assert.Equal((int)StatusCode.NotFound, r.ErrorResponse.ErrorCode));
        Assert.Equal("no.such.Symbol", responses[0].OriginalRequest.FileContainingSymbol);
        Assert.Equal(3, responses[3].ListServicesResponse.Service.Count);
    }
}
