using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace SemanticSearch.Service.Rpc.Framing;

/// <summary>
/// Reads length-prefixed gRPC messages from a pipe as the bytes arrive: a message may span any
/// number of HTTP/2 DATA frames, and one frame may hold several messages. Used for request bodies on
/// the server and response bodies on the client, so both ends apply the same limits and errors.
/// </summary>
public sealed class MessageReader
{
    private readonly PipeReader _reader;
    private readonly int _maxMessageSize;
    private readonly string _encoding;

    /// <param name="encoding">The stream's grpc-encoding (already validated): identity or gzip.</param>
    public MessageReader(PipeReader reader, int maxMessageSize, string encoding)
    {
        _reader = reader;
        _maxMessageSize = maxMessageSize;
        _encoding = encoding;
    }

    /// <summary>The next message's (decompressed) payload, or null at a clean end of stream.</summary>
    /// <exception cref="RpcException">
    /// INTERNAL for a malformed or truncated frame, RESOURCE_EXHAUSTED for a message over the limit.
    /// </exception>
    public async ValueTask<byte[]?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            byte[]? message;
            try
            {
                message = TryTakeMessage(ref buffer);
            }
            catch
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }
            if (message is not null)
            {
                _reader.AdvanceTo(buffer.Start);
                return message;
            }
            if (result.IsCanceled)
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException("Reading the message stream was cancelled.");
            }
            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                _reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }
                throw new RpcException(StatusCode.Internal,
                    $"Incomplete message: the stream ended {leftover} byte(s) into a message frame.");
            }
            // Not enough bytes yet: keep them and ask the pipe for more.
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private byte[]? TryTakeMessage(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < GrpcProtocol.MessageHeaderSize)
        {
            return null;
        }
        Span<byte> header = stackalloc byte[GrpcProtocol.MessageHeaderSize];
        buffer.Slice(0, GrpcProtocol.MessageHeaderSize).CopyTo(header);
        var compressedFlag = header[0];
        if (compressedFlag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid compressed-flag byte {compressedFlag} in a message frame.");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        // Checked on the header alone, so an oversized message is refused before it is buffered.
        if (length > (uint)_maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Received message of {length} bytes exceeds the maximum of {_maxMessageSize} bytes.");
        }
        if (buffer.Length < GrpcProtocol.MessageHeaderSize + length)
        {
            return null;
        }
        var payload = buffer.Slice(GrpcProtocol.MessageHeaderSize, length).ToArray();
        buffer = buffer.Slice(GrpcProtocol.MessageHeaderSize + length);
        if (compressedFlag == 0)
        {
            return payload;
        }
        if (_encoding == GrpcProtocol.IdentityEncoding)
        {
            throw new RpcException(StatusCode.Internal,
                "A message has the compressed flag set but the stream's grpc-encoding is identity.");
        }
        return MessageCompression.Gunzip(payload, _maxMessageSize);
    }
}
