using System.IO.Compression;

namespace SemanticSearch.Service.Rpc.Framing;

/// <summary>The message encodings we speak: identity (none) and gzip.</summary>
public static class MessageCompression
{
    /// <summary>Maps a grpc-encoding header to a known encoding; null/empty means identity.</summary>
    public static bool TryNormalize(string? encoding, out string normalized)
    {
        if (string.IsNullOrWhiteSpace(encoding) || encoding.Trim().Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            normalized = GrpcProtocol.IdentityEncoding;
            return true;
        }
        if (encoding.Trim().Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
        {
            normalized = GrpcProtocol.GzipEncoding;
            return true;
        }
        normalized = encoding.Trim();
        return false;
    }

    /// <summary>True when a grpc-accept-encoding list (comma separated) names gzip.</summary>
    public static bool AcceptsGzip(string? acceptEncoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return false;
        }
        foreach (var part in acceptEncoding.Split(','))
        {
            if (part.Trim().Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public static byte[] Gzip(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>
    /// Inflates a gzip message, refusing to produce more than <paramref name="maxSize"/> bytes so a
    /// small "zip bomb" frame cannot get past the receive limit.
    /// </summary>
    public static byte[] Gunzip(byte[] compressed, int maxSize)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Decompressed message exceeds the maximum size of {maxSize} bytes.");
                }
                output.Write(buffer, 0, read);
            }
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(StatusCode.Internal, "Could not decompress a gzip message: " + e.Message);
        }
    }
}
