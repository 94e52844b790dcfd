namespace SemanticSearch.Service.Tests;

public sealed class StatusAndErrorTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(StatusCode.NotFound, "plain message")]
    [InlineData(StatusCode.FailedPrecondition, "résumé ✓ 100% — 日本語")]
    [InlineData(StatusCode.PermissionDenied, "line1\nline2\ttab")]
    public async Task Handler_rpc_exception_reaches_the_client_with_code_message_and_trailers(StatusCode code, string message)
    {
        using var client = _server.CreateClient();
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary,
            new EchoRequest { FailCode = (int)code, FailMessage = message }));

        Assert.Equal(code, error.StatusCode);
        Assert.Equal(message, error.Detail);
        Assert.Equal("from-handler", error.Trailers.GetValue("x-fail-detail"));
    }

    [Fact]
    public async Task Error_after_streamed_messages_arrives_in_trailers()
    {
        using var client = _server.CreateClient();
        using var call = client.DuplexStreaming(TestServer.Bidi);
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "first" });
        Assert.True(await call.ResponseStream.MoveNext());
        await call.RequestStream.WriteAsync(new EchoRequest { FailCode = (int)StatusCode.Aborted, FailMessage = "late failure" });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("late failure", error.Detail);
    }

    [Fact]
    public async Task Unhandled_exception_is_internal_without_leaking_details()
    {
        using var client = _server.CreateClient();
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary,
            new EchoRequest { Text = EchoService.ThrowText }));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("passwd", error.Detail);
        Assert.DoesNotContain("at SemanticSearch", error.Detail);
    }

    [Fact]
    public async Task Unimplemented_declared_method_maps_to_unimplemented_on_the_client()
    {
        var method = GrpcMethod<Google.Protobuf.WellKnownTypes.Empty, Google.Protobuf.WellKnownTypes.Empty>.From(
            EchoService.Descriptor.FindMethodByName("NotImplemented"));
        using var client = _server.CreateClient();
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(method, new Google.Protobuf.WellKnownTypes.Empty()));
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Unreachable_server_is_unavailable()
    {
        // Bind then release a port so nothing listens on it.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new GrpcClient(new Uri($"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary, new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100%", "100%25")]
    [InlineData("é", "%C3%A9")]
    [InlineData("tab\there", "tab%09here")]
    [InlineData("~ok", "~ok")]
    public void Status_messages_percent_encode_per_spec(string message, string encoded)
    {
        Assert.Equal(encoded, StatusMessageEncoding.Encode(message));
        Assert.Equal(message, StatusMessageEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    public void Malformed_percent_escapes_decode_literally(string encoded, string decoded) =>
        Assert.Equal(decoded, StatusMessageEncoding.Decode(encoded));
}
