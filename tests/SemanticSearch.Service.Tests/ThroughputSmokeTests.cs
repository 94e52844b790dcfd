using System.Diagnostics;
using Xunit.Abstractions;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// Coarse throughput numbers on loopback (printed with --logger "console;verbosity=detailed").
/// The floors sit well below what a loaded 2-core machine does (~900-1900 unary calls/s at load
/// average 40; ~25k streamed messages/s), so they catch
/// pathologies (per-message stalls, missing flushes, serialized calls), not noise.
/// </summary>
public sealed class ThroughputSmokeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Concurrent_unary_calls()
    {
        using var client = _server.CreateClient();
        await client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "warm-up" });
        const int workers = 16, callsPerWorker = 200;
        var latencies = new List<double>[workers];
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            latencies[w] = new List<double>(callsPerWorker);
            for (var i = 0; i < callsPerWorker; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var reply = await client.UnaryAsync(TestServer.Unary, new EchoRequest { Text = "ping" });
                latencies[w].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Assert.Equal("ping", reply.Text);
            }
        }));

        var rate = workers * callsPerWorker / clock.Elapsed.TotalSeconds;
        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        output.WriteLine($"unary: {workers * callsPerWorker} calls, {workers} concurrent: {rate:F0} calls/s, " +
                         $"p50 {sorted[sorted.Length / 2]:F2} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F2} ms");
        Assert.True(rate > 100, $"only {rate:F0} unary calls/s");
    }

    [Fact]
    public async Task Server_streaming_messages()
    {
        using var client = _server.CreateClient();
        const int count = 20_000;
        var clock = Stopwatch.StartNew();
        using var call = client.ServerStreaming(TestServer.ServerStream, new EchoRequest { Text = "stream", Count = count });
        var received = 0;
        while (await call.ResponseStream.MoveNext())
        {
            received++;
        }
        var rate = received / clock.Elapsed.TotalSeconds;
        output.WriteLine($"server streaming: {received} messages, {rate:F0} messages/s (one flush per message)");
        Assert.Equal(count, received);
        Assert.True(rate > 2000, $"only {rate:F0} streamed messages/s");
    }

    [Fact]
    public async Task Bidi_round_trips()
    {
        using var client = _server.CreateClient();
        using var call = client.DuplexStreaming(TestServer.Bidi);
        const int rounds = 1000;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "r" });
            Assert.True(await call.ResponseStream.MoveNext());
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        var meanMs = clock.Elapsed.TotalMilliseconds / rounds;
        output.WriteLine($"bidi ping-pong: {rounds} round trips, mean {meanMs:F3} ms");
        Assert.True(meanMs < 20, $"mean round trip {meanMs:F1} ms");
    }
}
