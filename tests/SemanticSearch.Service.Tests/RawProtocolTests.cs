using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using SemanticSearch.Service.Rpc.Framing;

namespace SemanticSearch.Service.Tests;

/// <summary>Protocol edge cases sent as raw HTTP/2 requests, checked on the wire.</summary>
public sealed class RawProtocolTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(o => o.CompressResponses = true);
        _http = _server.CreateRawClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private Task<RawResponse> Send(byte[] body, params (string, string)[] headers) =>
        RawGrpcRequest.SendAsync(_http, RawGrpcRequest.EchoUnaryPath, body, "application/grpc", headers);

    private static EchoReply ParseSingleReply(RawResponse response)
    {
        Assert.Equal(0, response.Body[0]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(response.Body.AsSpan(1));
        Assert.Equal(response.Body.Length - 5, (int)length);
        return EchoReply.Parser.ParseFrom(response.Body.AsSpan(5).ToArray());
    }

    [Fact]
    public async Task Valid_request_gets_headers_one_message_and_status_trailers()
    {
        var response = await Send(RawGrpcRequest.Frame(new EchoRequest { Text = "raw" }));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.Headers["content-type"]);
        Assert.Equal("0", response.Trailers["grpc-status"]);
        Assert.Equal("raw", ParseSingleReply(response).Text);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("application/grpc+json")]
    public async Task Non_grpc_content_type_is_http_415(string contentType)
    {
        var response = await RawGrpcRequest.SendAsync(_http, RawGrpcRequest.EchoUnaryPath,
            RawGrpcRequest.Frame(new EchoRequest()), contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
    }

    [Fact]
    public async Task Grpc_proto_content_type_is_accepted()
    {
        var response = await RawGrpcRequest.SendAsync(_http, RawGrpcRequest.EchoUnaryPath,
            RawGrpcRequest.Frame(new EchoRequest { Text = "p" }), "application/grpc+proto");
        Assert.Equal("0", response.Trailers["grpc-status"]);
    }

    [Fact]
    public async Task Get_is_http_405()
    {
        using var response = await _http.GetAsync(RawGrpcRequest.EchoUnaryPath);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Theory]
    [InlineData("/semanticsearch.testing.v1.Nope/Unary")]
    [InlineData("/semanticsearch.testing.v1.Echo/Nope")]
    [InlineData("/semanticsearch.testing.v1.Echo/NotImplemented")]
    [InlineData("/just-one-segment")]
    public async Task Unknown_or_unimplemented_methods_are_trailers_only_unimplemented(string path)
    {
        var response = await RawGrpcRequest.SendAsync(_http, path, RawGrpcRequest.Frame(new EchoRequest()));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Equal("application/grpc", response.Headers["content-type"]);
    }

    [Fact]
    public async Task Header_shorter_than_five_bytes_is_internal()
    {
        var response = await Send([0, 0, 0]);
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Contains("Incomplete message", response.RawGrpcMessage);
    }

    [Fact]
    public async Task Length_prefix_larger_than_the_body_is_internal()
    {
        var frame = RawGrpcRequest.Frame(new EchoRequest { Text = "truncated" });
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), 1000);
        var response = await Send(frame);
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task Unparseable_payload_is_invalid_argument()
    {
        // Field 1, length-delimited, with a length that runs far past the payload.
        var response = await Send(MessageFramer.FrameBytes([0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01], compressedFlag: false));
        Assert.Equal((int)StatusCode.InvalidArgument, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
    }

    [Fact]
    public async Task Random_bytes_as_body_fail_without_crashing_the_server()
    {
        var random = new Random(1234);
        for (var i = 0; i < 20; i++)
        {
            var body = new byte[random.Next(1, 64)];
            random.NextBytes(body);
            var response = await Send(body);
            Assert.NotEqual(0, response.GrpcStatus);
        }
        // Still healthy afterwards.
        Assert.Equal("0", (await Send(RawGrpcRequest.Frame(new EchoRequest { Text = "after" }))).Trailers["grpc-status"]);
    }

    [Fact]
    public async Task Invalid_compressed_flag_is_internal()
    {
        var frame = RawGrpcRequest.Frame(new EchoRequest { Text = "x" });
        frame[0] = 2;
        Assert.Equal((int)StatusCode.Internal, (await Send(frame)).GrpcStatus);
    }

    [Fact]
    public async Task Compressed_flag_without_grpc_encoding_is_internal()
    {
        var frame = MessageFramer.FrameBytes(MessageCompression.Gzip(new EchoRequest { Text = "x" }.ToByteArray()), compressedFlag: true);
        Assert.Equal((int)StatusCode.Internal, (await Send(frame)).GrpcStatus);
    }

    [Fact]
    public async Task Unknown_fields_are_tolerated()
    {
        var known = new EchoRequest { Text = "known" }.ToByteArray();
        // Field 99 varint 7, and field 100 length-delimited "zz": not in EchoRequest.
        byte[] unknown = [0x98, 0x06, 0x07, 0xA2, 0x06, 0x02, (byte)'z', (byte)'z'];
        var response = await Send(MessageFramer.FrameBytes([.. known, .. unknown], compressedFlag: false));
        Assert.Equal("0", response.Trailers["grpc-status"]);
        Assert.Equal("known", ParseSingleReply(response).Text);
    }

    [Fact]
    public async Task Unary_without_a_message_is_internal()
    {
        Assert.Equal((int)StatusCode.Internal, (await Send([])).GrpcStatus);
    }

    [Fact]
    public async Task Unary_with_two_messages_is_internal()
    {
        var frame = RawGrpcRequest.Frame(new EchoRequest { Text = "a" });
        Assert.Equal((int)StatusCode.Internal, (await Send([.. frame, .. frame])).GrpcStatus);
    }

    [Fact]
    public async Task Oversized_length_prefix_is_resource_exhausted_without_sending_the_payload()
    {
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 5 * 1024 * 1024);
        var response = await Send(header);
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
    }

    [Fact]
    public async Task Gzip_bomb_is_resource_exhausted()
    {
        var bomb = MessageCompression.Gzip(new EchoRequest { Payload = Google.Protobuf.ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }.ToByteArray());
        Assert.True(bomb.Length < 64 * 1024);
        var response = await Send(MessageFramer.FrameBytes(bomb, compressedFlag: true), ("grpc-encoding", "gzip"));
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    [InlineData("-5S")]
    public async Task Malformed_grpc_timeout_is_internal(string timeout)
    {
        var response = await Send(RawGrpcRequest.Frame(new EchoRequest()), ("grpc-timeout", timeout));
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Contains("grpc-timeout", response.RawGrpcMessage);
    }

    [Fact]
    public async Task Unknown_request_encoding_is_unimplemented_and_lists_supported_encodings()
    {
        var response = await Send(RawGrpcRequest.Frame(new EchoRequest()), ("grpc-encoding", "snappy"));
        Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("gzip", response.Headers["grpc-accept-encoding"]);
        Assert.Contains("identity", response.Headers["grpc-accept-encoding"]);
    }

    [Fact]
    public async Task Message_trickled_across_many_data_frames_is_reassembled()
    {
        var frame = RawGrpcRequest.Frame(new EchoRequest { Text = new string('t', 300) });
        var response = await RawGrpcRequest.SendAsync(_http, RawGrpcRequest.EchoUnaryPath, new TricklingContent(frame, 7));
        Assert.Equal(new string('t', 300), ParseSingleReply(response).Text);
    }

    [Fact]
    public async Task Several_messages_in_one_data_frame_are_all_read()
    {
        var body = Enumerable.Range(0, 5).SelectMany(i => RawGrpcRequest.Frame(new EchoRequest { Text = $"m{i}" })).ToArray();
        var response = await RawGrpcRequest.SendAsync(_http, "/semanticsearch.testing.v1.Echo/ClientStream", body);
        Assert.Equal("m0|m1|m2|m3|m4", ParseSingleReply(response).Text);
    }

    [Fact]
    public async Task Non_ascii_status_message_is_percent_encoded_on_the_wire()
    {
        var response = await Send(RawGrpcRequest.Frame(new EchoRequest { FailCode = 5, FailMessage = "résumé 100%" }));
        Assert.True(response.IsTrailersOnly);
        Assert.Equal(5, response.GrpcStatus);
        Assert.Equal("r%C3%A9sum%C3%A9 100%25", response.RawGrpcMessage);
    }

    [Fact]
    public async Task Response_is_gzipped_only_when_the_client_accepts_gzip()
    {
        var request = RawGrpcRequest.Frame(new EchoRequest { Text = new string('g', 1000) });

        var plain = await Send(request);
        var gzipped = await Send(request, ("grpc-accept-encoding", "identity,gzip"));

        Assert.False(plain.Headers.ContainsKey("grpc-encoding"));
        Assert.Equal(0, plain.Body[0]);
        Assert.Equal("gzip", gzipped.Headers["grpc-encoding"]);
        Assert.Equal(1, gzipped.Body[0]);
        Assert.True(gzipped.Body.Length < plain.Body.Length);
        var inflated = MessageCompression.Gunzip(gzipped.Body.AsSpan(5).ToArray(), 1 << 20);
        Assert.Equal(new string('g', 1000), EchoReply.Parser.ParseFrom(inflated).Text);
    }
}
