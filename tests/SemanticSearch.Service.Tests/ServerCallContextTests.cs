using System.Globalization;
using Google.Protobuf;

namespace SemanticSearch.Service.Tests;

/// <summary>What handlers see and control through ServerCallContext, using purpose-built handlers.</summary>
public sealed class ServerCallContextTests
{
    private static async Task<GrpcServerHost> StartAsync(GrpcServiceDefinition service)
    {
        var host = new GrpcServerBuilder().AddService(service).Build();
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task Handler_sees_peer_deadline_and_method()
    {
        var service = GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddUnary<EchoRequest, EchoReply>("Unary", (request, context) => Task.FromResult(new EchoReply
            {
                Text = context.Peer,
                HeaderValue = context.Deadline.ToString("O", CultureInfo.InvariantCulture),
                RequestEncoding = context.Method,
            }))
            .Build();
        await using var host = await StartAsync(service);
        using var client = new GrpcClient(host.Address);
        var before = DateTime.UtcNow;

        var reply = await client.UnaryAsync(TestServer.Unary, new EchoRequest(), new CallOptions { Timeout = TimeSpan.FromSeconds(30) });

        Assert.Matches(@"^ipv4:127\.0\.0\.1:\d+$", reply.Text);
        var deadline = DateTime.Parse(reply.HeaderValue, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.InRange(deadline, before.AddSeconds(25), before.AddSeconds(35));
        Assert.Equal("/semanticsearch.testing.v1.Echo/Unary", reply.RequestEncoding);
    }

    [Fact]
    public async Task Unknown_request_fields_are_preserved_for_the_handler()
    {
        // The handler re-serializes what it parsed; newer clients' fields must survive the round trip.
        var service = GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddUnary<EchoRequest, EchoReply>("Unary", (request, context) =>
                Task.FromResult(new EchoReply { Payload = request.ToByteString() }))
            .Build();
        await using var host = await StartAsync(service);
        using var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = host.Address };
        byte[] unknownField = [0x98, 0x06, 0x2A]; // field 99, varint 42
        var body = SemanticSearch.Service.Rpc.Framing.MessageFramer.FrameBytes(
            [.. new EchoRequest { Text = "k" }.ToByteArray(), .. unknownField], compressedFlag: false);

        var response = await RawGrpcRequest.SendAsync(http, RawGrpcRequest.EchoUnaryPath, body);

        var echoed = EchoReply.Parser.ParseFrom(response.Body.AsSpan(5).ToArray()).Payload.ToByteArray();
        Assert.EndsWith(Convert.ToHexString(unknownField), Convert.ToHexString(echoed));
        Assert.Equal("k", EchoRequest.Parser.ParseFrom(echoed).Text);
    }

    [Fact]
    public async Task No_grpc_timeout_means_no_deadline()
    {
        var service = GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddUnary<EchoRequest, EchoReply>("Unary", (request, context) =>
                Task.FromResult(new EchoReply { Text = (context.Deadline == DateTime.MaxValue).ToString() }))
            .Build();
        await using var host = await StartAsync(service);
        using var client = new GrpcClient(host.Address);
        Assert.Equal("True", (await client.UnaryAsync(TestServer.Unary, new EchoRequest())).Text);
    }

    [Fact]
    public async Task Response_headers_can_be_sent_before_any_message_on_a_bidi_stream()
    {
        var service = GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddDuplexStreaming<EchoRequest, EchoReply>("Bidi", async (requests, responses, context) =>
            {
                context.ResponseHeaders.Add("x-ready", "yes");
                await context.WriteResponseHeadersAsync();
                await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
                {
                    await responses.WriteAsync(new EchoReply { Text = request.Text });
                }
            })
            .Build();
        await using var host = await StartAsync(service);
        using var client = new GrpcClient(host.Address);
        using var call = client.DuplexStreaming(TestServer.Bidi);

        // Nothing has been sent yet: the headers can only be here because the handler flushed them.
        var headers = await call.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("yes", headers.GetValue("x-ready"));

        await call.RequestStream.WriteAsync(new EchoRequest { Text = "after headers" });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("after headers", call.ResponseStream.Current.Text);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task Server_can_finish_a_client_stream_early_with_a_status()
    {
        var service = GrpcServiceDefinition.For(EchoService.Descriptor)
            .AddClientStreaming<EchoRequest, EchoReply>("ClientStream", async (requests, context) =>
            {
                await requests.MoveNext();
                throw new RpcException(StatusCode.OutOfRange, "one is enough");
            })
            .Build();
        await using var host = await StartAsync(service);
        using var client = new GrpcClient(host.Address);
        using var call = client.ClientStreaming(TestServer.ClientStream);
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "1" });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
        // Writing after the server ended the call surfaces the same status instead of hanging.
        var late = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest { Text = "2" }));
        Assert.Equal(StatusCode.OutOfRange, late.StatusCode);
    }
}
