using Google.Protobuf;
using SemanticSearch.Service.Rpc.Framing;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>Parses framed request messages with the method's descriptor-provided parser.</summary>
internal sealed class RequestStreamReader<T> : IAsyncStreamReader<T> where T : class, IMessage
{
    private readonly MessageReader _reader;
    private readonly MessageParser _parser;
    private readonly CancellationToken _callToken;
    private T? _current;

    public RequestStreamReader(MessageReader reader, MessageParser parser, CancellationToken callToken)
    {
        _reader = reader;
        _parser = parser;
        _callToken = callToken;
    }

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_callToken, cancellationToken);
        var payload = await _reader.ReadMessageAsync(linked.Token);
        if (payload is null)
        {
            _current = null;
            return false;
        }
        _current = Parse(_parser, payload);
        return true;
    }

    /// <summary>Unparseable bytes are the client's fault, so they map to INVALID_ARGUMENT.</summary>
    public static T Parse(MessageParser parser, byte[] payload)
    {
        try
        {
            return (T)parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(StatusCode.InvalidArgument, "Could not parse the request message: " + e.Message);
        }
    }
}

/// <summary>Hands each handler-written message to the call, which frames and flushes it.</summary>
internal sealed class ResponseStreamWriter<T> : IServerStreamWriter<T> where T : class, IMessage
{
    private readonly ServerCall _call;
    private readonly CancellationToken _callToken;

    public ResponseStreamWriter(ServerCall call, CancellationToken callToken)
    {
        _call = call;
        _callToken = callToken;
    }

    public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_callToken, cancellationToken);
        await _call.WriteMessageAsync(message, linked.Token);
    }
}
