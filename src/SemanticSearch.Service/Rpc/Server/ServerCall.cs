using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SemanticSearch.Service.Rpc.Framing;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>
/// The response side of one call: headers, framed messages, and exactly one final status. Writes
/// are serialized by a lock because the deadline timer may end the call while the handler is
/// still writing; after the status is sent further writes fail instead of corrupting the stream.
/// </summary>
internal sealed class ServerCall
{
    private readonly HttpContext _http;
    private readonly int? _maxSendMessageSize;
    private readonly bool _compressResponses;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private bool _headersSent;
    private StatusCode? _finalStatus;

    public ServerCall(HttpContext http, int? maxSendMessageSize, bool compressResponses)
    {
        _http = http;
        _maxSendMessageSize = maxSendMessageSize;
        _compressResponses = compressResponses;
    }

    /// <summary>Set once the handler's context exists; holds the headers/trailers the handler chose.</summary>
    public ServerCallContext? Context { get; set; }

    public bool IsCompleted => _finalStatus is not null;

    public async Task SendHeadersAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfCompleted();
            if (!_headersSent)
            {
                PrepareHeaders();
                await _http.Response.BodyWriter.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        // Framing (and the send-limit check) happens before taking the lock: it is CPU work only.
        var frame = MessageFramer.Frame(message, _maxSendMessageSize, _compressResponses);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfCompleted();
            if (!_headersSent)
            {
                PrepareHeaders();
            }
            // WriteAsync flushes, so every streamed message reaches the client as it is produced.
            var flush = await _http.Response.BodyWriter.WriteAsync(frame, cancellationToken);
            if (flush.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends the final status. Before any header went out this is a trailers-only response (one
    /// HEADERS frame with END_STREAM); otherwise the status travels in HTTP/2 trailers. Only the
    /// first call has an effect.
    /// </summary>
    public async Task CompleteAsync(StatusCode status, string? message, Metadata? extraTrailers = null)
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_finalStatus is not null)
            {
                return;
            }
            _finalStatus = status;
            if (_http.RequestAborted.IsCancellationRequested)
            {
                return; // The client reset the stream: nobody is left to read a status.
            }
            var trailers = new Metadata();
            foreach (var entry in Context?.ResponseTrailers ?? new Metadata())
            {
                trailers.Add(entry);
            }
            foreach (var entry in extraTrailers ?? new Metadata())
            {
                trailers.Add(entry);
            }
            if (!_headersSent && !_http.Response.HasStarted)
            {
                PrepareHeaders();
                WriteStatus(_http.Response.Headers, status, message, trailers);
            }
            else
            {
                var trailerFeature = _http.Features.Get<IHttpResponseTrailersFeature>()
                    ?? throw new InvalidOperationException("The server does not support HTTP/2 trailers.");
                WriteStatus(trailerFeature.Trailers, status, message, trailers);
            }
            await _http.Response.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection went away while the status was being sent; there is no one to tell.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void ThrowIfCompleted()
    {
        if (_finalStatus is { } status)
        {
            throw new RpcException(status == StatusCode.OK ? StatusCode.FailedPrecondition : status,
                "The call has already completed; no more messages can be written.");
        }
    }

    private void PrepareHeaders()
    {
        var response = _http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        if (_compressResponses)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.GzipEncoding;
        }
        foreach (var entry in Context?.ResponseHeaders ?? new Metadata())
        {
            if (!GrpcProtocol.IsReservedHeader(entry.Key))
            {
                response.Headers.Append(entry.Key, Metadata.ToHeaderValue(entry));
            }
        }
        _headersSent = true;
    }

    private static void WriteStatus(IHeaderDictionary target, StatusCode status, string? message, Metadata trailers)
    {
        target[GrpcProtocol.StatusHeader] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(message))
        {
            target[GrpcProtocol.MessageHeader] = StatusMessageEncoding.Encode(message);
        }
        foreach (var entry in trailers)
        {
            if (!GrpcProtocol.IsReservedHeader(entry.Key))
            {
                target.Append(entry.Key, Metadata.ToHeaderValue(entry));
            }
        }
    }
}
