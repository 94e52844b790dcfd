using Google.Protobuf;

namespace SemanticSearch.Service.Tests;

public sealed class CompressionAndSizeTests
{
    [Fact]
    public async Task Gzip_requests_are_decoded_by_the_server()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient(new GrpcClientOptions { CompressRequests = true });
        var text = new string('c', 50_000);

        var reply = await client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = text });

        Assert.Equal(text, reply.Text);
        Assert.Equal("gzip", reply.RequestEncoding);
    }

    [Fact]
    public async Task Gzip_works_per_message_on_a_bidi_stream_in_both_directions()
    {
        await using var server = await TestServer.StartAsync(o => o.CompressResponses = true);
        using var client = server.CreateClient(new GrpcClientOptions { CompressRequests = true });
        using var call = client.DuplexStreaming(TestServer.Bidi);

        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = new string((char)('a' + i), 10_000) });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(new string((char)('a' + i), 10_000), call.ResponseStream.Current.Text);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task Client_that_does_not_accept_gzip_gets_identity_responses()
    {
        await using var server = await TestServer.StartAsync(o => o.CompressResponses = true);
        using var client = server.CreateClient(new GrpcClientOptions { AcceptCompressedResponses = false });
        using var call = client.Unary(TestServer.Unary, new EchoRequest { Text = "plain" });

        Assert.Equal("plain", (await call.ResponseAsync).Text);
        // grpc-encoding is a protocol header, so it is not surfaced as metadata either way.
        Assert.Null((await call.ResponseHeadersAsync).GetValue("grpc-encoding"));
    }

    [Fact]
    public async Task Request_over_the_default_4_MiB_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        var payload = ByteString.CopyFrom(new byte[GrpcProtocol.DefaultMaxReceiveMessageSize + 1]);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary, new EchoRequest { Payload = payload }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Configured_receive_limit_applies_exactly()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxReceiveMessageSize = 1000);
        using var client = server.CreateClient();
        var fits = new EchoRequest { Payload = ByteString.CopyFrom(new byte[990]) };
        var tooBig = new EchoRequest { Payload = ByteString.CopyFrom(new byte[1000]) };
        Assert.True(fits.CalculateSize() <= 1000 && tooBig.CalculateSize() > 1000);

        Assert.Equal(990, (await client.UnaryAsync(TestServer.Unary, fits)).Payload.Length);
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary, tooBig));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Server_send_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxSendMessageSize = 1000);
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync(TestServer.Unary, new EchoRequest { ReplyPayloadSize = 2000 }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("exceeds", error.Detail);
    }

    [Fact]
    public async Task Client_receive_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient(new GrpcClientOptions { MaxReceiveMessageSize = 1000 });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync(TestServer.Unary, new EchoRequest { ReplyPayloadSize = 2000 }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Client_send_limit_fails_before_sending()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient(new GrpcClientOptions { MaxSendMessageSize = 100 });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.UnaryAsync(TestServer.Unary, new EchoRequest { Payload = ByteString.CopyFrom(new byte[200]) }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(0, server.Host.InFlightCalls);
    }

    [Fact]
    public async Task Large_streams_flow_without_hitting_kestrel_body_limits()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();
        using var call = client.ClientStreaming(TestServer.ClientStream);
        var chunk = ByteString.CopyFrom(new byte[1024 * 1024]);
        // 40 MiB total: more than Kestrel's default 30 MB request body cap.
        for (var i = 0; i < 40; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "x", Payload = chunk });
        }
        await call.RequestStream.CompleteAsync();
        Assert.Equal(40, (await call.ResponseAsync).MessageCount);
    }
}
