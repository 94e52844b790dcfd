namespace SemanticSearch.Service.Rpc;

/// <summary>Header names and values fixed by the gRPC over HTTP/2 protocol (PROTOCOL-HTTP2.md).</summary>
public static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ContentTypeProto = "application/grpc+proto";

    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string AuthorizationHeader = "authorization";

    public const string IdentityEncoding = "identity";
    public const string GzipEncoding = "gzip";

    /// <summary>What this implementation can decode, in the form sent in grpc-accept-encoding.</summary>
    public const string SupportedEncodings = "identity,gzip";

    /// <summary>4 MiB: the receive limit every reference gRPC implementation uses by default.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>1 compressed-flag byte + 4-byte big-endian length.</summary>
    public const int MessageHeaderSize = 5;

    /// <summary>
    /// True for "application/grpc" and "application/grpc+proto", with or without parameters.
    /// Other "application/grpc+X" subtypes name codecs we do not speak.
    /// </summary>
    public static bool IsGrpcProtoContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        return mediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals(ContentTypeProto, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Headers that belong to the protocol and so are not custom metadata.</summary>
    public static bool IsReservedHeader(string name) =>
        name.StartsWith(':')
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("te", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals(StatusHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(MessageHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(TimeoutHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(EncodingHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(AcceptEncodingHeader, StringComparison.OrdinalIgnoreCase);
}
