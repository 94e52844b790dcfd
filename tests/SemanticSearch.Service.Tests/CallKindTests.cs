using SemanticSearch.Service.Rpc;
using SemanticSearch.Testing.V1;

namespace SemanticSearch.Service.Tests;

/// <summary>The four call shapes end to end through the typed client.</summary>
public sealed class CallKindTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Unary_echoes_text_and_carries_headers_and_trailers()
    {
        using var client = _server.CreateClient();
        using var call = client.Unary(TestServer.Unary, new EchoRequest { Text = "hello", EchoHeader = "x-custom" },
            new CallOptions { Headers = new Metadata().Add("x-custom", "value-1") });

        var reply = await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("hello", reply.Text);
        Assert.Equal("value-1", reply.HeaderValue);
        Assert.Equal("unary", headers.GetValue("x-echo-method"));
        Assert.Equal("done", call.GetTrailers().GetValue("x-echo-trailer"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, call.GetTrailers().GetBytes("x-echo-trailer-bin"));
    }

    [Fact]
    public async Task Binary_request_metadata_round_trips_base64()
    {
        using var client = _server.CreateClient();
        var reply = await client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "b", EchoHeader = "x-plain" },
            new CallOptions { Headers = new Metadata().Add("x-plain", "plain").Add("x-data-bin", new byte[] { 9, 8, 7 }) });
        Assert.Equal("plain", reply.HeaderValue);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_in_order()
    {
        using var client = _server.CreateClient();
        using var call = client.ServerStreaming(TestServer.ServerStream, new EchoRequest { Text = "s", Count = 50 });

        var indexes = new List<int>();
        while (await call.ResponseStream.MoveNext())
        {
            indexes.Add(call.ResponseStream.Current.Index);
        }

        Assert.Equal(Enumerable.Range(0, 50), indexes);
    }

    [Fact]
    public async Task Server_streaming_with_zero_messages_ends_cleanly()
    {
        using var client = _server.CreateClient();
        using var call = client.ServerStreaming(TestServer.ServerStream, new EchoRequest { Text = "none", Count = 0 });
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task Client_streaming_joins_all_requests()
    {
        using var client = _server.CreateClient();
        using var call = client.ClientStreaming(TestServer.ClientStream);
        foreach (var text in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = text });
        }
        await call.RequestStream.CompleteAsync();

        var reply = await call.ResponseAsync;

        Assert.Equal("a|b|c", reply.Text);
        Assert.Equal(3, reply.MessageCount);
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(new EchoRequest { Text = "late" }));
    }

    [Fact]
    public async Task Bidi_replies_to_each_message_before_the_next_is_sent()
    {
        using var client = _server.CreateClient();
        using var call = client.DuplexStreaming(TestServer.Bidi);

        // Strict ping-pong proves the request and response streams are really concurrent.
        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal($"m{i}", call.ResponseStream.Current.Text);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task Many_concurrent_unary_calls_share_the_connection()
    {
        using var client = _server.CreateClient();
        var calls = Enumerable.Range(0, 200)
            .Select(i => client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = i.ToString() }));
        var replies = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => i.ToString()), replies.Select(r => r.Text));
    }

    [Fact]
    public async Task Client_identifies_itself_with_a_user_agent()
    {
        using var client = _server.CreateClient();
        var reply = await client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "p", EchoHeader = "user-agent" });
        Assert.StartsWith("semanticsearch-grpc-dotnet", reply.HeaderValue);
    }
}
