using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using SemanticSearch.Service.Rpc.Framing;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Rpc.Client;

/// <summary>
/// One HTTP/2 request/response pair carrying a gRPC call of any kind. The request body streams
/// from <see cref="WriteAsync"/>; response messages are read on demand; the status comes from the
/// trailers (or the headers of a trailers-only response) and non-OK statuses throw.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage where TResponse : class, IMessage
{
    private readonly GrpcMethod<TRequest, TResponse> _method;
    private readonly GrpcClientOptions _clientOptions;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly StreamingRequestContent _content = new();
    private readonly bool _compressRequests;
    private readonly HttpClient _http;
    private readonly HttpRequestMessage _request;
    private Task<HttpResponseMessage>? _sendTask;
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private HttpResponseMessage? _response;
    private Metadata? _responseHeaders;
    private MessageReader? _reader;
    private volatile bool _deadlineExceeded;
    private int _disposed;
    private RpcException? _finalError;

    public ClientCall(HttpClient http, Uri address, GrpcMethod<TRequest, TResponse> method, GrpcClientOptions clientOptions, CallOptions? options)
    {
        options ??= new CallOptions();
        _method = method;
        _clientOptions = clientOptions;
        _callerToken = options.CancellationToken;
        _compressRequests = options.CompressRequest ?? clientOptions.CompressRequests;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, method.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = _content,
        };
        // "te: trailers" tells intermediaries we understand trailers, which carry the status.
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        request.Headers.UserAgent.ParseAdd("semanticsearch-grpc-dotnet/1.0");
        request.Headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader,
            clientOptions.AcceptCompressedResponses ? GrpcProtocol.SupportedEncodings : GrpcProtocol.IdentityEncoding);
        if (_compressRequests)
        {
            request.Headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.GzipEncoding);
        }
        if (clientOptions.BearerToken is { } token)
        {
            request.Headers.TryAddWithoutValidation(GrpcProtocol.AuthorizationHeader, "Bearer " + token);
        }
        foreach (var entry in options.Headers ?? new Metadata())
        {
            request.Headers.TryAddWithoutValidation(entry.Key, Metadata.ToHeaderValue(entry));
        }
        var timeout = options.Timeout ?? (options.Deadline is { } deadline ? deadline - DateTime.UtcNow : null);
        if (timeout is { } t)
        {
            request.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(t));
            // Enforced locally too: a server that ignores grpc-timeout must not hang the caller.
            _deadlineCts = new CancellationTokenSource();
            _deadlineCts.Token.Register(() =>
            {
                _deadlineExceeded = true;
                CancelQuietly();
            });
            _deadlineCts.CancelAfter(t > TimeSpan.Zero ? t : TimeSpan.Zero);
        }
        _http = http;
        _request = request;
    }

    /// <summary>Sends the request headers; the body follows as messages are written.</summary>
    public void Start() => _sendTask = _http.SendAsync(_request, HttpCompletionOption.ResponseHeadersRead, _cts.Token);

    /// <summary>Trailing metadata; complete once the call has finished.</summary>
    public Metadata Trailers { get; } = new();

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        if (_finalError is { } error)
        {
            throw error;
        }
        var frame = MessageFramer.Frame(message, _clientOptions.MaxSendMessageSize, _compressRequests);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, cancellationToken);
        try
        {
            await _content.WriteAsync(frame, linked.Token);
        }
        catch (System.Threading.Channels.ChannelClosedException) when (_finalError is null)
        {
            // The request stream was completed, or the server already ended the call with OK.
            throw new InvalidOperationException("The request stream is complete; no more messages can be written.");
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            throw _finalError ?? Map(e);
        }
    }

    public void CompleteRequest() => _content.Complete();

    public async Task<Metadata> GetResponseHeadersAsync()
    {
        await EnsureResponseAsync();
        return _responseHeaders!;
    }

    /// <summary>The next response message, or null once the server ended the stream with OK.</summary>
    public async Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        await _readLock.WaitAsync(cancellationToken);
        try
        {
            if (_finalError is { } error)
            {
                throw error;
            }
            await EnsureResponseAsync();
            if (_reader is null)
            {
                return null; // Already finished with OK.
            }
            byte[]? payload;
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, cancellationToken))
            {
                try
                {
                    payload = await _reader.ReadMessageAsync(linked.Token);
                }
                catch (Exception e)
                {
                    throw Fail(Map(e));
                }
            }
            if (payload is not null)
            {
                try
                {
                    return (TResponse)_method.ResponseParser.ParseFrom(payload);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw Fail(new RpcException(StatusCode.Internal, "Could not parse the response message: " + e.Message));
                }
            }
            _reader = null;
            ReadStatus(_response!.TrailingHeaders);
            return null;
        }
        finally
        {
            _readLock.Release();
        }
    }

    /// <summary>For unary and client-streaming calls: exactly one message, then an OK status.</summary>
    public async Task<TResponse> ReadSingleResponseAsync()
    {
        var response = await ReadNextAsync(CancellationToken.None)
            ?? throw Fail(new RpcException(StatusCode.Internal, "The server ended the call with OK but sent no response message."));
        if (await ReadNextAsync(CancellationToken.None) is not null)
        {
            throw Fail(new RpcException(StatusCode.Internal, "The server sent more than one response message for a single-response method."));
        }
        return response;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _content.Complete();
        if (_reader is not null || _response is null)
        {
            CancelQuietly(); // Unfinished call: reset the stream so the server sees the cancellation.
        }
        _response?.Dispose();
        _request.Dispose();
        _deadlineCts?.Dispose();
    }

    /// <summary>
    /// The deadline timer and failure paths may race with Dispose; the token source is never
    /// disposed (it owns no timer) so cancelling it late is always safe.
    /// </summary>
    private void CancelQuietly()
    {
        try
        {
            _cts.Cancel();
        }
        catch (AggregateException)
        {
            // A registration callback (inside HttpClient) threw; the cancellation itself happened.
        }
    }

    private async Task EnsureResponseAsync()
    {
        if (_response is not null)
        {
            return;
        }
        HttpResponseMessage response;
        try
        {
            response = await (_sendTask ?? throw new InvalidOperationException("The call was not started."));
        }
        catch (Exception e)
        {
            throw Fail(Map(e));
        }
        _response = response;
        _responseHeaders = ToMetadata(response.Headers);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Fail(new RpcException(TransportStatusMapping.FromHttpStatus(response.StatusCode),
                $"Bad gRPC response: HTTP status {(int)response.StatusCode}."));
        }
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith(GrpcProtocol.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw Fail(new RpcException(StatusCode.Internal, $"Bad gRPC response: content-type '{contentType}'."));
        }
        if (response.Headers.Contains(GrpcProtocol.StatusHeader))
        {
            ReadStatus(response.Headers);
            return;
        }
        var encoding = response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var values) ? values.FirstOrDefault() : null;
        if (!MessageCompression.TryNormalize(encoding, out var normalized))
        {
            throw Fail(new RpcException(StatusCode.Internal, $"The server used unsupported grpc-encoding '{encoding}'."));
        }
        var body = await response.Content.ReadAsStreamAsync();
        _reader = new MessageReader(PipeReader.Create(body), _clientOptions.MaxReceiveMessageSize, normalized);
    }

    private void ReadStatus(HttpHeaders headers)
    {
        foreach (var (name, values) in headers)
        {
            if (!GrpcProtocol.IsReservedHeader(name))
            {
                foreach (var value in values)
                {
                    Trailers.AddFromHeader(name, value);
                }
            }
        }
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues)
            || !int.TryParse(statusValues.FirstOrDefault(), out var code))
        {
            throw Fail(new RpcException(StatusCode.Internal, "The response ended without a grpc-status.", Trailers));
        }
        var message = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
            ? StatusMessageEncoding.Decode(messages.FirstOrDefault() ?? "")
            : "";
        _reader = null;
        if (code != 0)
        {
            var status = Enum.IsDefined(typeof(StatusCode), code) ? (StatusCode)code : StatusCode.Unknown;
            throw Fail(new RpcException(status, message, Trailers));
        }
        _content.Complete();
    }

    private RpcException Fail(RpcException error)
    {
        _finalError ??= error;
        _reader = null;
        _content.Complete();
        CancelQuietly();
        return _finalError;
    }

    private RpcException Map(Exception e) =>
        TransportStatusMapping.FromException(e, _deadlineExceeded, _callerToken.IsCancellationRequested);

    private static Metadata ToMetadata(HttpResponseHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (!GrpcProtocol.IsReservedHeader(name))
            {
                foreach (var value in values)
                {
                    metadata.AddFromHeader(name, value);
                }
            }
        }
        return metadata;
    }
}
