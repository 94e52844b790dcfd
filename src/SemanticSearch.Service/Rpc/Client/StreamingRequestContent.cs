using System.Net;
using System.Threading.Channels;

namespace SemanticSearch.Service.Rpc.Client;

/// <summary>
/// A request body fed frame by frame while the call runs. HTTP/2 lets SocketsHttpHandler send it
/// concurrently with reading the response, which is what client and bidirectional streaming need.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    // Capacity 1: a writer awaits until the previous frame was picked up, which bounds memory.
    private readonly Channel<byte[]> _frames = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(1) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public StreamingRequestContent()
    {
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    public ValueTask WriteAsync(byte[] frame, CancellationToken cancellationToken) =>
        _frames.Writer.WriteAsync(frame, cancellationToken);

    /// <summary>Ends the request stream (END_STREAM) after the queued frames.</summary>
    public void Complete() => _frames.Writer.TryComplete();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await foreach (var frame in _frames.Reader.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(frame, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
