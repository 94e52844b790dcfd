using System.Diagnostics;

namespace SemanticSearch.Service.Tests;

public sealed class DeadlineAndCancellationTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Deadline_fires_the_handler_token_and_returns_deadline_exceeded()
    {
        using var client = _server.CreateClient();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(TestServer.Unary,
            new EchoRequest { Text = "slow", SleepMs = 20_000 }, new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        await _server.Echo.CancellationObserved.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Server_sends_deadline_exceeded_itself_even_if_the_handler_ignores_its_token()
    {
        using var http = _server.CreateRawClient();
        var clock = Stopwatch.StartNew();

        // No client-side timer here: the status can only come from the server's deadline.
        var response = await RawGrpcRequest.SendAsync(http, RawGrpcRequest.EchoUnaryPath,
            RawGrpcRequest.Frame(new EchoRequest { Text = EchoService.IgnoreTokenText, SleepMs = 3000 }),
            "application/grpc", ("grpc-timeout", "200m"));

        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(2500), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Zero_timeout_is_deadline_exceeded_without_running_the_handler()
    {
        using var http = _server.CreateRawClient();
        var response = await RawGrpcRequest.SendAsync(http, RawGrpcRequest.EchoUnaryPath,
            RawGrpcRequest.Frame(new EchoRequest { SleepMs = 1000 }), "application/grpc", ("grpc-timeout", "0n"));
        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        Assert.False(_server.Echo.SleepStarted.Task.IsCompleted);
    }

    [Fact]
    public async Task Generous_deadline_lets_the_call_succeed()
    {
        using var client = _server.CreateClient();
        var reply = await client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "ok", SleepMs = 50 },
            new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(30) });
        Assert.Equal("ok", reply.Text);
    }

    [Fact]
    public async Task Client_cancellation_reaches_the_handler_token()
    {
        using var client = _server.CreateClient();
        using var cts = new CancellationTokenSource();
        var call = client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "wait", SleepMs = 20_000 },
            new CallOptions { CancellationToken = cts.Token });
        await _server.Echo.SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        cts.Cancel();

        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        // RST_STREAM → HttpContext.RequestAborted → the handler's CancellationToken.
        await _server.Echo.CancellationObserved.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Disposing_a_streaming_call_cancels_it_on_the_server()
    {
        using var client = _server.CreateClient();
        var call = client.DuplexStreaming(TestServer.Bidi);
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "hang", SleepMs = 20_000 });
        await _server.Echo.SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));

        call.Dispose();

        await _server.Echo.CancellationObserved.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("1500u", 15_000L)]
    [InlineData("99999999n", 999_999L)]
    [InlineData("99999999H", 99_999_999L * 36_000_000_000L)]
    public void Timeout_units_parse(string header, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789m")]
    [InlineData("12 S")]
    [InlineData("12s")]
    [InlineData("+1S")]
    public void Malformed_timeouts_are_rejected(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Theory]
    [InlineData(1L, "100n")]
    [InlineData(10_000L, "1000000n")]
    [InlineData(20_000_000L, "2000000u")]
    [InlineData(864_000_000_000L, "86400000m")]
    public void Timeouts_format_with_at_most_eight_digits_and_round_up(long ticks, string expected)
    {
        var formatted = GrpcTimeout.Format(TimeSpan.FromTicks(ticks));
        Assert.Equal(expected, formatted);
        Assert.True(formatted.Length <= 9);
        Assert.True(GrpcTimeout.TryParse(formatted, out var back) && back >= TimeSpan.FromTicks(ticks));
    }
}
