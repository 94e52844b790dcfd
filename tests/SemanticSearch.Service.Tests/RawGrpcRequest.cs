using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using SemanticSearch.Service.Rpc.Framing;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// Hand-built gRPC requests for protocol edge cases the typed client never produces (bad frames,
/// odd headers), and the parts of the response a test needs to inspect.
/// </summary>
internal static class RawGrpcRequest
{
    public const string EchoUnaryPath = "/semanticsearch.testing.v1.Echo/Unary";

    public static byte[] Frame(IMessage message) => MessageFramer.FrameBytes(message.ToByteArray(), compressedFlag: false);

    public static Task<RawResponse> SendAsync(HttpClient http, string path, byte[] body,
        string contentType = "application/grpc", params (string Name, string Value)[] headers) =>
        SendAsync(http, path, new ByteArrayContent(body), contentType, headers);

    public static async Task<RawResponse> SendAsync(HttpClient http, string path, HttpContent content,
        string contentType = "application/grpc", params (string Name, string Value)[] headers)
    {
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = content,
            // Explicit messages ignore HttpClient.DefaultRequestVersion; without this they go out as HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse(response.StatusCode, Flatten(response.Headers, response.Content.Headers), Flatten(response.TrailingHeaders), body);
    }

    private static Dictionary<string, string> Flatten(params HttpHeaders[] sources)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var headers in sources)
        {
            foreach (var (name, values) in headers)
            {
                result[name] = string.Join(",", values);
            }
        }
        return result;
    }
}

internal sealed record RawResponse(HttpStatusCode HttpStatus, Dictionary<string, string> Headers,
    Dictionary<string, string> Trailers, byte[] Body)
{
    /// <summary>A trailers-only response carries grpc-status in its single HEADERS frame and has no body.</summary>
    public bool IsTrailersOnly => Headers.ContainsKey("grpc-status") && Body.Length == 0 && Trailers.Count == 0;

    public int GrpcStatus => int.Parse(Headers.GetValueOrDefault("grpc-status") ?? Trailers["grpc-status"]);

    public string? RawGrpcMessage => Headers.GetValueOrDefault("grpc-message") ?? Trailers.GetValueOrDefault("grpc-message");
}

/// <summary>Sends a body in small pieces with a flush after each, so one message spans many DATA frames.</summary>
internal sealed class TricklingContent(byte[] body, int chunkSize) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var offset = 0; offset < body.Length; offset += chunkSize)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(chunkSize, body.Length - offset)));
            await stream.FlushAsync();
            await Task.Delay(2);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
