using System.IO.Pipelines;
using SemanticSearch.Service.Rpc.Framing;

namespace SemanticSearch.Service.Tests;

/// <summary>Framing over a pipe fed in arbitrary chunks, as HTTP/2 DATA frames arrive.</summary>
public sealed class MessageReaderTests
{
    private static async Task<List<byte[]>> ReadAllAsync(byte[] stream, int chunkSize, int maxSize = 1 << 20, string encoding = "identity")
    {
        var pipe = new Pipe();
        var writer = Task.Run(async () =>
        {
            for (var offset = 0; offset < stream.Length; offset += chunkSize)
            {
                await pipe.Writer.WriteAsync(stream.AsMemory(offset, Math.Min(chunkSize, stream.Length - offset)));
            }
            await pipe.Writer.CompleteAsync();
        });
        var reader = new MessageReader(pipe.Reader, maxSize, encoding);
        var messages = new List<byte[]>();
        while (await reader.ReadMessageAsync(CancellationToken.None) is { } message)
        {
            messages.Add(message);
        }
        await writer;
        return messages;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(4096)]
    public async Task Messages_are_reassembled_whatever_the_chunking(int chunkSize)
    {
        var payloads = new[] { new byte[] { 1, 2, 3 }, Array.Empty<byte>(), Enumerable.Range(0, 300).Select(i => (byte)i).ToArray() };
        var stream = payloads.SelectMany(p => MessageFramer.FrameBytes(p, compressedFlag: false)).ToArray();

        var messages = await ReadAllAsync(stream, chunkSize);

        Assert.Equal(payloads, messages);
    }

    [Fact]
    public async Task Gzip_messages_are_inflated_when_the_stream_is_gzip()
    {
        var payload = Enumerable.Repeat((byte)7, 10_000).ToArray();
        var stream = MessageFramer.FrameBytes(MessageCompression.Gzip(payload), compressedFlag: true);
        Assert.Equal(payload, (await ReadAllAsync(stream, 100, encoding: "gzip")).Single());
    }

    [Fact]
    public async Task Empty_stream_has_no_messages()
    {
        Assert.Empty(await ReadAllAsync([], 1));
    }

    [Fact]
    public async Task Stream_ending_inside_a_payload_is_internal()
    {
        var frame = MessageFramer.FrameBytes(new byte[10], compressedFlag: false);
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(frame[..^1], 4));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task Oversized_length_is_refused_from_the_header_alone()
    {
        var header = MessageFramer.FrameBytes(new byte[100], compressedFlag: false)[..5];
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(header, 5, maxSize: 99));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Corrupt_gzip_is_internal()
    {
        var frame = MessageFramer.FrameBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], compressedFlag: true);
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(frame, 64, encoding: "gzip"));
        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }
}
