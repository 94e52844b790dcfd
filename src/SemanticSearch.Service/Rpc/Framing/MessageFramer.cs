using System.Buffers.Binary;
using Google.Protobuf;

namespace SemanticSearch.Service.Rpc.Framing;

/// <summary>Turns a protobuf message into one length-prefixed gRPC frame.</summary>
public static class MessageFramer
{
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the serialized message exceeds the send limit.</exception>
    public static byte[] Frame(IMessage message, int? maxSendMessageSize, bool gzip)
    {
        var serialized = message.ToByteArray();
        if (maxSendMessageSize is { } limit && serialized.Length > limit)
        {
            throw new RpcException(StatusCode.ResourceExhausted,
                $"Sending message of {serialized.Length} bytes exceeds the maximum of {limit} bytes.");
        }
        return FrameBytes(gzip ? MessageCompression.Gzip(serialized) : serialized, gzip);
    }

    /// <summary>Frames an already-encoded payload; exposed for protocol tests that need odd frames.</summary>
    public static byte[] FrameBytes(ReadOnlySpan<byte> payload, bool compressedFlag)
    {
        var frame = new byte[GrpcProtocol.MessageHeaderSize + payload.Length];
        frame[0] = compressedFlag ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(GrpcProtocol.MessageHeaderSize));
        return frame;
    }
}
